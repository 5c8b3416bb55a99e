package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/internal/codec"
)

var _ state.EpisodeStore = (*Store)(nil)

const (
	upsertEpisodeSQL = `INSERT INTO episodes (rule_id, rule_group, alertname, fp, labels, fired_at, resolved_at,
			evaluations, flapping, acked_at, acked_by, notifications)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, '', 0)
		ON CONFLICT (fired_at, rule_id, fp) DO UPDATE SET
			labels = excluded.labels,
			resolved_at = CASE WHEN excluded.resolved_at <> 0 THEN excluded.resolved_at ELSE episodes.resolved_at END,
			evaluations = CASE WHEN excluded.resolved_at <> 0 THEN excluded.evaluations ELSE episodes.evaluations END,
			flapping = episodes.flapping OR excluded.flapping`

	// In an UPDATE, every expression reads the row as it was, so acked_at
	// in the acked_by expression is the old one.
	noteEpisodeSQL = `UPDATE episodes SET notifications = notifications + $1,
			acked_at = CASE WHEN acked_at = 0 THEN $2 ELSE acked_at END,
			acked_by = CASE WHEN acked_at = 0 AND $2 <> 0 THEN $3 ELSE acked_by END
		WHERE fired_at = $4 AND rule_id = $5 AND fp = $6`

	episodeColumns = `rule_id, rule_group, alertname, fp, labels, fired_at, resolved_at, evaluations, flapping,
		acked_at, acked_by, notifications`
)

// queueEpisodes queues a batch's episodes.
func queueEpisodes(b *pgx.Batch, eps []state.Episode) error {
	for i := range eps {
		e := &eps[i]
		labels, err := codec.EncodeLabels(e.Labels)
		if err != nil {
			return fmt.Errorf("episode %s/%s: labels: %w", e.RuleID, e.ID, err)
		}
		fired, err := codec.EncodeTime(e.FiredAt)
		if err != nil {
			return fmt.Errorf("episode %s/%s: %w", e.RuleID, e.ID, err)
		}
		resolved, err := codec.EncodeTime(e.ResolvedAt)
		if err != nil {
			return fmt.Errorf("episode %s/%s: %w", e.RuleID, e.ID, err)
		}
		b.Queue(upsertEpisodeSQL, e.RuleID, e.Group, e.Alertname, codec.EncodeFingerprint(e.ID), labels, fired, resolved,
			e.Evaluations, e.Flapping)
	}
	return nil
}

// queueEpisodeNotes queues a flush's episode notes.
func queueEpisodeNotes(b *pgx.Batch, notes []state.EpisodeNote) error {
	for _, n := range notes {
		fired, err := codec.EncodeTime(n.FiredAt)
		if err != nil {
			return fmt.Errorf("postgres state: episode note: %w", err)
		}
		acked, err := codec.EncodeTime(n.AckedAt)
		if err != nil {
			return fmt.Errorf("postgres state: episode note: %w", err)
		}
		b.Queue(noteEpisodeSQL, int64(n.Notifications), acked, n.AckedBy, fired, n.RuleID, codec.EncodeFingerprint(n.ID))
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
		return nil, fmt.Errorf("postgres state: loading episodes: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+episodeColumns+` FROM episodes WHERE fired_at >= $1
		ORDER BY fired_at, rule_id, fp LIMIT $2`, from, limit)
	if err != nil {
		return nil, wrap(ctx, err, "loading episodes")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (state.Episode, error) {
		var (
			e                          state.Episode
			fp, fired, resolved, acked int64
			labels                     []byte
		)
		if err := r.Scan(&e.RuleID, &e.Group, &e.Alertname, &fp, &labels, &fired, &resolved, &e.Evaluations,
			&e.Flapping, &acked, &e.AckedBy, &e.Notifications); err != nil {
			return e, err
		}
		e.ID = codec.DecodeFingerprint(fp)
		var err error
		if e.Labels, err = codec.DecodeLabels(labels); err != nil {
			return e, fmt.Errorf("episode %s/%s: labels: %w", e.RuleID, e.ID, err)
		}
		e.FiredAt, e.ResolvedAt, e.AckedAt = codec.DecodeTime(fired), codec.DecodeTime(resolved), codec.DecodeTime(acked)
		return e, nil
	})
	if err != nil {
		return nil, wrap(ctx, err, "loading episodes")
	}
	return out, nil
}

// LastFired returns when each rule's latest stored episode fired.
func (s *Store) LastFired(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT rule_id, max(fired_at) FROM episodes GROUP BY rule_id`)
	if err != nil {
		return nil, wrap(ctx, err, "last firing per rule")
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var (
			id string
			at int64
		)
		if err := rows.Scan(&id, &at); err != nil {
			return nil, wrap(ctx, err, "last firing per rule")
		}
		out[id] = codec.DecodeTime(at)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, err, "last firing per rule")
	}
	return out, nil
}

// PruneEpisodes deletes resolved episodes that fired before olderThan,
// then the oldest beyond max, in one transaction.
func (s *Store) PruneEpisodes(ctx context.Context, olderThan time.Time, max int) (int64, error) {
	cutoff, err := codec.EncodeTimeClamped(olderThan)
	if err != nil {
		return 0, fmt.Errorf("postgres state: pruning episodes: %w", err)
	}
	var n int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM episodes WHERE fired_at < $1 AND resolved_at <> 0`, cutoff)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		if max <= 0 {
			return nil
		}
		var count int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM episodes`).Scan(&count); err != nil {
			return err
		}
		if count <= int64(max) {
			return nil
		}
		tag, err = tx.Exec(ctx, `DELETE FROM episodes WHERE ctid IN (
			SELECT ctid FROM episodes ORDER BY fired_at LIMIT $1)`, count-int64(max))
		n += tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, wrap(ctx, err, "pruning episodes")
	}
	return n, nil
}
