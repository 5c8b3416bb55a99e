package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/internal/codec"
)

const (
	alertColumns = `rule_id, fp, labels, annotations, state, value_bits, generator_url,
		active_at, fired_at, resolved_at, keep_firing_since, last_eval_at, severity_raised_at, ends_at, flap`

	upsertAlertSQL = `INSERT INTO alerts (` + alertColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (rule_id, fp) DO UPDATE SET
			labels = excluded.labels,
			annotations = excluded.annotations,
			state = excluded.state,
			value_bits = excluded.value_bits,
			generator_url = excluded.generator_url,
			active_at = excluded.active_at,
			fired_at = excluded.fired_at,
			resolved_at = excluded.resolved_at,
			keep_firing_since = excluded.keep_firing_since,
			last_eval_at = excluded.last_eval_at,
			severity_raised_at = excluded.severity_raised_at,
			ends_at = excluded.ends_at,
			flap = excluded.flap`

	deleteAlertSQL = `DELETE FROM alerts WHERE rule_id = $1 AND fp = $2`

	upsertMarkSQL = `INSERT INTO group_marks (grp, last_eval_at) VALUES ($1, $2)
		ON CONFLICT (grp) DO UPDATE SET last_eval_at = excluded.last_eval_at`

	upsertStatusSQL = `INSERT INTO group_status (grp, data) VALUES ($1, $2)
		ON CONFLICT (grp) DO UPDATE SET data = excluded.data`

	insertEventSQL = `INSERT INTO outbox (kind, at, prev_severity, alert, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`
)

// alertArgs returns a's bind arguments in alertColumns order.
func alertArgs(a *alert.Alert) ([]any, error) {
	labels, err := codec.EncodeLabels(a.Labels)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	annotations, err := codec.EncodeLabels(a.Annotations)
	if err != nil {
		return nil, fmt.Errorf("annotations: %w", err)
	}
	ts, err := codec.EncodeAlertTimes(a)
	if err != nil {
		return nil, err
	}
	flap, err := codec.EncodeFlap(a.Flap)
	if err != nil {
		return nil, fmt.Errorf("flap history: %w", err)
	}
	return []any{
		a.Key.RuleID, codec.EncodeFingerprint(a.Key.ID), labels, annotations,
		int16(a.State), codec.EncodeValue(a.Value), a.GeneratorURL,
		ts[0], ts[1], ts[2], ts[3], ts[4], ts[5], ts[6], flap,
	}, nil
}

// LoadAlerts returns every stored alert, ordered by rule and fingerprint.
func (s *Store) LoadAlerts(ctx context.Context) ([]*alert.Alert, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+alertColumns+` FROM alerts ORDER BY rule_id, fp`)
	if err != nil {
		return nil, wrap(ctx, err, "loading alerts")
	}
	defer rows.Close()
	var out []*alert.Alert
	for rows.Next() {
		var (
			a                   alert.Alert
			fp, value           int64
			st                  int16
			labels, annotations []byte
			flap                []byte
			ts                  [7]int64
		)
		if err := rows.Scan(&a.Key.RuleID, &fp, &labels, &annotations, &st, &value, &a.GeneratorURL,
			&ts[0], &ts[1], &ts[2], &ts[3], &ts[4], &ts[5], &ts[6], &flap); err != nil {
			return nil, wrap(ctx, err, "loading alerts")
		}
		a.Key.ID = codec.DecodeFingerprint(fp)
		if a.Labels, err = codec.DecodeLabels(labels); err != nil {
			return nil, fmt.Errorf("postgres state: alert %s/%s: labels: %w", a.Key.RuleID, a.Key.ID, err)
		}
		if a.Annotations, err = codec.DecodeLabels(annotations); err != nil {
			return nil, fmt.Errorf("postgres state: alert %s/%s: annotations: %w", a.Key.RuleID, a.Key.ID, err)
		}
		if a.State, err = codec.DecodeState(int64(st)); err != nil {
			return nil, fmt.Errorf("postgres state: alert %s/%s: %w", a.Key.RuleID, a.Key.ID, err)
		}
		a.Value = codec.DecodeValue(value)
		codec.DecodeAlertTimes(&a, ts)
		if a.Flap, err = codec.DecodeFlap(flap); err != nil {
			return nil, fmt.Errorf("postgres state: alert %s/%s: flap history: %w", a.Key.RuleID, a.Key.ID, err)
		}
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, err, "loading alerts")
	}
	return out, nil
}

// LoadGroupMarks returns every group's last evaluation, ordered by group.
func (s *Store) LoadGroupMarks(ctx context.Context) ([]state.GroupMark, error) {
	rows, err := s.pool.Query(ctx, `SELECT grp, last_eval_at FROM group_marks ORDER BY grp`)
	if err != nil {
		return nil, wrap(ctx, err, "loading group marks")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (state.GroupMark, error) {
		var (
			m  state.GroupMark
			ts int64
		)
		err := r.Scan(&m.Group, &ts)
		m.LastEvalAt = codec.DecodeTime(ts)
		return m, err
	})
	if err != nil {
		return nil, wrap(ctx, err, "loading group marks")
	}
	return out, nil
}

// LoadGroupStatus returns every group's last stored evaluation status,
// ordered by group.
func (s *Store) LoadGroupStatus(ctx context.Context) ([]state.GroupStatus, error) {
	rows, err := s.pool.Query(ctx, `SELECT grp, data FROM group_status ORDER BY grp`)
	if err != nil {
		return nil, wrap(ctx, err, "loading group status")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (state.GroupStatus, error) {
		var (
			grp  string
			data []byte
		)
		if err := r.Scan(&grp, &data); err != nil {
			return state.GroupStatus{}, err
		}
		g, err := codec.DecodeGroupStatus(grp, data)
		if err != nil {
			return g, fmt.Errorf("group %q: %w", grp, err)
		}
		return g, nil
	})
	if err != nil {
		return nil, wrap(ctx, err, "loading group status")
	}
	return out, nil
}

// Commit applies b in one transaction: upserts, then deletes (so a key in
// both ends up deleted), then the group mark and status, then the events,
// whose IDs are set in place once the transaction has committed. On error
// nothing is stored and no event's ID is changed.
func (s *Store) Commit(ctx context.Context, b *state.Batch) error { return s.commit(ctx, b, 0) }

func (s *Store) commit(ctx context.Context, b *state.Batch, epoch int64) error {
	group := ""
	if b != nil {
		group = b.Group
	}
	if err := s.commitBatch(ctx, b, epoch); err != nil {
		return wrap(ctx, err, "committing group %q", group)
	}
	return nil
}

func (s *Store) commitBatch(ctx context.Context, b *state.Batch, epoch int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b == nil {
		return errors.New("nil batch")
	}
	for i, a := range b.Upserts {
		if a == nil {
			return fmt.Errorf("upsert %d is nil", i)
		}
	}
	for i, e := range b.Events {
		if e == nil {
			return fmt.Errorf("event %d is nil", i)
		}
	}
	if b.Empty() && b.EvaluatedAt.IsZero() && b.Status == nil {
		return nil
	}

	batch := &pgx.Batch{}
	queueFence(batch, epoch)
	if err := queueUpserts(batch, b.Upserts, s.bulkMin); err != nil {
		return err
	}
	queueDeletes(batch, b.Deletes, s.bulkMin)
	if !b.EvaluatedAt.IsZero() {
		ts, err := codec.EncodeTime(b.EvaluatedAt)
		if err != nil {
			return fmt.Errorf("group mark: %w", err)
		}
		batch.Queue(upsertMarkSQL, b.Group, ts)
	}
	if b.Status != nil {
		data, err := codec.EncodeGroupStatus(b.Status)
		if err != nil {
			return fmt.Errorf("group status: %w", err)
		}
		batch.Queue(upsertStatusSQL, b.Status.Group, data)
	}
	if err := queueEpisodes(batch, b.Episodes); err != nil {
		return err
	}
	ids := make([]int64, len(b.Events))
	if len(b.Events) > 0 {
		created, err := codec.EncodeTime(s.now())
		if err != nil {
			return fmt.Errorf("creation time: %w", err)
		}
		if err := queueEvents(batch, b.Events, created, ids, s.bulkMin); err != nil {
			return err
		}
	}
	if len(b.Upserts) > 0 || len(b.Deletes) > 0 || len(b.Events) > 0 {
		queueBump(batch, topicAlerts)
	}
	if err := s.send(ctx, batch); err != nil {
		return err
	}
	for i, e := range b.Events {
		e.ID = ids[i]
	}
	return nil
}
