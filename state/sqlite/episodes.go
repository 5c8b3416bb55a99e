package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/internal/codec"
)

var _ state.EpisodeStore = (*Store)(nil)

// flapMigrations are flap detection's and the alert-quality report's
// steps, appended to migrations() after the high-availability ones
// (steps are never edited once released).
func flapMigrations() []string {
	return []string{
		// An alert's flap history (codec.EncodeFlap; '' for none).
		`ALTER TABLE alerts ADD COLUMN flap TEXT NOT NULL DEFAULT ''`,
		// Which firing fingerprints an integration was told were flapping.
		`ALTER TABLE nflog ADD COLUMN flapping TEXT NOT NULL DEFAULT '[]'`,
		// One row per firing episode of an evaluated alert (state.Episode).
		`CREATE TABLE episodes (
			rule_id       TEXT    NOT NULL,
			rule_group    TEXT    NOT NULL,
			alertname     TEXT    NOT NULL,
			fp            INTEGER NOT NULL,
			labels        TEXT    NOT NULL,
			fired_at      INTEGER NOT NULL,
			resolved_at   INTEGER NOT NULL, -- 0 while open
			evaluations   INTEGER NOT NULL,
			flapping      INTEGER NOT NULL, -- 0 or 1
			acked_at      INTEGER NOT NULL,
			acked_by      TEXT    NOT NULL,
			notifications INTEGER NOT NULL,
			-- Firing time first: rows are appended in time order, and
			-- LoadEpisodes and PruneEpisodes read ranges of it.
			PRIMARY KEY (fired_at, rule_id, fp)
		) STRICT`,
	}
}

const (
	upsertEpisodeSQL = `INSERT INTO episodes (rule_id, rule_group, alertname, fp, labels, fired_at, resolved_at,
			evaluations, flapping, acked_at, acked_by, notifications)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', 0)
		ON CONFLICT (fired_at, rule_id, fp) DO UPDATE SET
			labels = excluded.labels,
			resolved_at = CASE WHEN excluded.resolved_at <> 0 THEN excluded.resolved_at ELSE episodes.resolved_at END,
			evaluations = CASE WHEN excluded.resolved_at <> 0 THEN excluded.evaluations ELSE episodes.evaluations END,
			flapping = max(episodes.flapping, excluded.flapping)`

	// In an UPDATE, every expression reads the row as it was, so acked_at
	// in the acked_by expression is the old one.
	noteEpisodeSQL = `UPDATE episodes SET notifications = notifications + ?,
			acked_at = CASE WHEN acked_at = 0 THEN ? ELSE acked_at END,
			acked_by = CASE WHEN acked_at = 0 AND ? <> 0 THEN ? ELSE acked_by END
		WHERE fired_at = ? AND rule_id = ? AND fp = ?`

	episodeColumns = `rule_id, rule_group, alertname, fp, labels, fired_at, resolved_at, evaluations, flapping,
		acked_at, acked_by, notifications`
)

// episodeArgs returns the bind arguments of upsertEpisodeSQL.
func episodeArgs(e *state.Episode) ([]any, error) {
	labels, err := codec.EncodeLabels(e.Labels)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	fired, err := codec.EncodeTime(e.FiredAt)
	if err != nil {
		return nil, err
	}
	resolved, err := codec.EncodeTime(e.ResolvedAt)
	if err != nil {
		return nil, err
	}
	flapping := int64(0)
	if e.Flapping {
		flapping = 1
	}
	return []any{e.RuleID, e.Group, e.Alertname, codec.EncodeFingerprint(e.ID), labels, fired, resolved, e.Evaluations, flapping}, nil
}

// upsertEpisodes writes a batch's episodes inside its transaction,
// chunkRows to a statement while that many are left (a storm's firings),
// then one by one, in the batch's order: an episode listed twice (fired,
// then resolved) is upserted in that order either way.
func (s *Store) upsertEpisodes(ctx context.Context, tx *sql.Tx, eps []state.Episode) error {
	if len(eps) == 0 {
		return nil
	}
	if len(eps) >= chunkRows {
		// In key order, as upsertAlerts writes a large batch: the primary
		// key's index is walked once instead of being looked up at random
		// for each row. Stable: an episode listed twice keeps the order
		// of its listings.
		eps = slices.Clone(eps)
		slices.SortStableFunc(eps, func(a, b state.Episode) int {
			return cmp.Or(cmp.Compare(a.FiredAt.UnixNano(), b.FiredAt.UnixNano()), strings.Compare(a.RuleID, b.RuleID),
				cmp.Compare(codec.EncodeFingerprint(a.ID), codec.EncodeFingerprint(b.ID)))
		})
		chunk := tx.StmtContext(ctx, s.stmts.upsertEpisodes)
		args := make([]any, 0, chunkRows*9)
		for len(eps) >= chunkRows {
			args = args[:0]
			for i := range eps[:chunkRows] {
				e := &eps[i]
				ea, err := episodeArgs(e)
				if err != nil {
					return fmt.Errorf("episode %s/%s: %w", e.RuleID, e.ID, err)
				}
				args = append(args, ea...)
			}
			if _, err := chunk.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("storing %d episodes from %s/%s: %w", chunkRows, eps[0].RuleID, eps[0].ID, err)
			}
			eps = eps[chunkRows:]
		}
	}
	if len(eps) == 0 {
		return nil
	}
	st := tx.StmtContext(ctx, s.stmts.upsertEpisode)
	for i := range eps {
		e := &eps[i]
		args, err := episodeArgs(e)
		if err != nil {
			return fmt.Errorf("episode %s/%s: %w", e.RuleID, e.ID, err)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("storing episode %s/%s: %w", e.RuleID, e.ID, err)
		}
	}
	return nil
}

// noteEpisodes applies a flush's episode notes inside its transaction.
func (s *Store) noteEpisodes(ctx context.Context, tx *sql.Tx, notes []state.EpisodeNote) error {
	if len(notes) == 0 {
		return nil
	}
	st := tx.StmtContext(ctx, s.stmts.noteEpisode)
	for _, n := range notes {
		fired, err := codec.EncodeTime(n.FiredAt)
		if err != nil {
			return fmt.Errorf("sqlite state: episode note: %w", err)
		}
		acked, err := codec.EncodeTime(n.AckedAt)
		if err != nil {
			return fmt.Errorf("sqlite state: episode note: %w", err)
		}
		if _, err := st.ExecContext(ctx, int64(n.Notifications), acked, acked, n.AckedBy,
			fired, n.RuleID, codec.EncodeFingerprint(n.ID)); err != nil {
			return fmt.Errorf("sqlite state: episode note: %w", err)
		}
	}
	return nil
}

// LoadEpisodes returns up to limit episodes that fired at or after since,
// oldest first.
func (s *Store) LoadEpisodes(ctx context.Context, since time.Time, limit int) ([]state.Episode, error) {
	if limit <= 0 {
		return nil, nil
	}
	from, err := codec.EncodeTimeClamped(since)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: loading episodes: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+episodeColumns+` FROM episodes WHERE fired_at >= ?
		ORDER BY fired_at, rule_id, fp LIMIT ?`, from, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: loading episodes: %w", err)
	}
	defer rows.Close()
	var out []state.Episode
	for rows.Next() {
		var (
			e                                   state.Episode
			fp, fired, resolved, flapping, aked int64
			labels                              []byte
		)
		if err := rows.Scan(&e.RuleID, &e.Group, &e.Alertname, &fp, &labels, &fired, &resolved, &e.Evaluations,
			&flapping, &aked, &e.AckedBy, &e.Notifications); err != nil {
			return nil, fmt.Errorf("sqlite state: loading episodes: %w", err)
		}
		e.ID = codec.DecodeFingerprint(fp)
		if e.Labels, err = codec.DecodeLabels(labels); err != nil {
			return nil, fmt.Errorf("sqlite state: episode %s/%s: labels: %w", e.RuleID, e.ID, err)
		}
		e.FiredAt, e.ResolvedAt, e.AckedAt = codec.DecodeTime(fired), codec.DecodeTime(resolved), codec.DecodeTime(aked)
		e.Flapping = flapping != 0
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite state: loading episodes: %w", err)
	}
	return out, nil
}

// LastFired returns when each rule's latest stored episode fired.
func (s *Store) LastFired(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT rule_id, max(fired_at) FROM episodes GROUP BY rule_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: last firing per rule: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var (
			id string
			at int64
		)
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("sqlite state: last firing per rule: %w", err)
		}
		out[id] = codec.DecodeTime(at)
	}
	return out, rows.Err()
}

// PruneEpisodes deletes resolved episodes that fired before olderThan,
// then the oldest beyond max.
func (s *Store) PruneEpisodes(ctx context.Context, olderThan time.Time, max int) (int64, error) {
	cutoff, err := codec.EncodeTimeClamped(olderThan)
	if err != nil {
		return 0, fmt.Errorf("sqlite state: pruning episodes: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM episodes WHERE fired_at < ? AND resolved_at <> 0`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("sqlite state: pruning episodes: %w", err)
	}
	n, _ := res.RowsAffected()
	var count int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM episodes`).Scan(&count); err != nil {
		return n, fmt.Errorf("sqlite state: counting episodes: %w", err)
	}
	if max > 0 && count > max {
		res, err := s.db.ExecContext(ctx, `DELETE FROM episodes WHERE rowid IN (
			SELECT rowid FROM episodes ORDER BY fired_at LIMIT ?)`, count-max)
		if err != nil {
			return n, fmt.Errorf("sqlite state: pruning episodes: %w", err)
		}
		more, _ := res.RowsAffected()
		n += more
	}
	return n, nil
}
