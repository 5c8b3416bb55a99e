package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state/internal/codec"
)

// markDeliveredSQL keeps the first delivery time when an event is marked
// twice.
const markDeliveredSQL = `UPDATE outbox SET delivered_at = $1 WHERE id = ANY($2) AND delivered_at IS NULL`

// PendingEvents returns up to limit undelivered events in the order they
// were committed. A limit of zero or less returns none.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]*alert.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, err, "reading outbox")
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT id, kind, at, prev_severity, alert FROM outbox
		WHERE delivered_at IS NULL ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, wrap(ctx, err, "reading outbox")
	}
	defer rows.Close()
	var out []*alert.Event
	for rows.Next() {
		var (
			e    alert.Event
			kind int16
			at   int64
			snap []byte
		)
		if err := rows.Scan(&e.ID, &kind, &at, &e.PrevSeverity, &snap); err != nil {
			return nil, wrap(ctx, err, "reading outbox")
		}
		if kind <= 0 || kind > math.MaxUint8 {
			return nil, fmt.Errorf("postgres state: outbox event %d: kind %d out of range", e.ID, kind)
		}
		e.Kind = alert.EventKind(kind)
		e.At = codec.DecodeTime(at)
		if e.Alert, err = codec.DecodeSnapshot(snap); err != nil {
			return nil, fmt.Errorf("postgres state: outbox event %d: alert: %w", e.ID, err)
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, err, "reading outbox")
	}
	return out, nil
}

// MarkDelivered records that the events were consumed at at. Unknown or
// already consumed IDs are left as they are, so a retried call is
// harmless.
func (s *Store) MarkDelivered(ctx context.Context, ids []int64, at time.Time) error {
	return s.markDelivered(ctx, ids, at, 0)
}

func (s *Store) markDelivered(ctx context.Context, ids []int64, at time.Time, epoch int64) error {
	if err := ctx.Err(); err != nil {
		return wrap(ctx, err, "marking delivered")
	}
	if at.IsZero() {
		// delivered_at is also what PruneDelivered ages rows by.
		return errors.New("postgres state: marking delivered: zero delivery time")
	}
	if len(ids) == 0 {
		return nil
	}
	ts, err := codec.EncodeTime(at)
	if err != nil {
		return fmt.Errorf("postgres state: marking delivered: %w", err)
	}
	b := &pgx.Batch{}
	queueFence(b, epoch)
	b.Queue(markDeliveredSQL, ts, ids)
	return wrap(ctx, s.send(ctx, b), "marking events delivered")
}

// OutboxDepth counts undelivered events.
func (s *Store) OutboxDepth(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE delivered_at IS NULL`).Scan(&n); err != nil {
		return 0, wrap(ctx, err, "counting outbox")
	}
	return n, nil
}

// PruneDelivered deletes events consumed before olderThan and returns how
// many; undelivered events are never pruned.
func (s *Store) PruneDelivered(ctx context.Context, olderThan time.Time) (int64, error) {
	cutoff, err := codec.EncodeTime(olderThan)
	if err != nil {
		return 0, fmt.Errorf("postgres state: pruning outbox: %w", err)
	}
	ct, err := s.pool.Exec(ctx, `DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < $1`, cutoff)
	if err != nil {
		return 0, wrap(ctx, err, "pruning outbox")
	}
	return ct.RowsAffected(), nil
}
