package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state/internal/codec"
)

const (
	insertEventSQL = `INSERT INTO outbox (kind, at, prev_severity, alert, created_at)
		VALUES (?, ?, ?, ?, ?)`

	pendingEventsSQL = `SELECT id, kind, at, prev_severity, alert FROM outbox
		WHERE delivered_at IS NULL ORDER BY id LIMIT ?`

	// markDeliveredManySQL marks the events of a JSON array of ids. The
	// delivered_at IS NULL condition keeps the first delivery time when an
	// event is marked twice.
	markDeliveredManySQL = `UPDATE outbox SET delivered_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND delivered_at IS NULL`

	outboxDepthSQL = `SELECT count(*) FROM outbox WHERE delivered_at IS NULL`

	pruneDeliveredSQL = `DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?`
)

// PendingEvents returns up to limit undelivered events in the order they
// were committed. A limit of zero or less returns none.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]*alert.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite state: reading outbox: %w", err)
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, pendingEventsSQL, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: reading outbox: %w", err)
	}
	defer rows.Close()
	var out []*alert.Event
	for rows.Next() {
		var (
			e        alert.Event
			kind, at int64
			snap     []byte
		)
		if err := rows.Scan(&e.ID, &kind, &at, &e.PrevSeverity, &snap); err != nil {
			return nil, fmt.Errorf("sqlite state: reading outbox: %w", err)
		}
		if kind <= 0 || kind > math.MaxUint8 {
			return nil, fmt.Errorf("sqlite state: outbox event %d: kind %d out of range", e.ID, kind)
		}
		e.Kind = alert.EventKind(kind)
		e.At = codec.DecodeTime(at)
		if e.Alert, err = codec.DecodeSnapshot(snap); err != nil {
			return nil, fmt.Errorf("sqlite state: outbox event %d: alert: %w", e.ID, err)
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite state: reading outbox: %w", err)
	}
	return out, nil
}

// MarkDelivered records that the events were delivered at at, in one
// transaction. IDs that are unknown (already pruned) or already delivered
// are left as they are, so a retried call is harmless.
func (s *Store) MarkDelivered(ctx context.Context, ids []int64, at time.Time) (err error) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite state: marking delivered: %w", err)
	}
	if at.IsZero() {
		// delivered_at is also what PruneDelivered ages rows by.
		return errors.New("sqlite state: marking delivered: zero delivery time")
	}
	if len(ids) == 0 {
		return nil
	}
	ts, err := codec.EncodeTime(at)
	if err != nil {
		return fmt.Errorf("sqlite state: marking delivered: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite state: marking delivered: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := markDelivered(ctx, tx, ts, ids); err != nil {
		return fmt.Errorf("sqlite state: marking events delivered: %w", withCtxErr(ctx, err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite state: marking delivered: %w", withCtxErr(ctx, err))
	}
	return nil
}

// OutboxDepth counts undelivered events; it reads only the partial index of
// undelivered rows, so it stays cheap however many delivered rows are kept.
func (s *Store) OutboxDepth(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, outboxDepthSQL).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite state: counting outbox: %w", err)
	}
	return n, nil
}

// PruneDelivered deletes events delivered before olderThan and returns how
// many it deleted. Undelivered events are never pruned, however old. It is
// not part of state.Store: retention is this backend's concern.
func (s *Store) PruneDelivered(ctx context.Context, olderThan time.Time) (int64, error) {
	cutoff, err := codec.EncodeTime(olderThan)
	if err != nil {
		return 0, fmt.Errorf("sqlite state: pruning outbox: %w", err)
	}
	res, err := s.db.ExecContext(ctx, pruneDeliveredSQL, cutoff)
	if err != nil {
		return 0, fmt.Errorf("sqlite state: pruning outbox: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite state: pruning outbox: %w", err)
	}
	return n, nil
}

// markIDsPerStatement is how many event ids one UPDATE marks.
const markIDsPerStatement = 10_000

// markDelivered marks the events delivered at ts, many to a statement.
func markDelivered(ctx context.Context, tx *sql.Tx, ts int64, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), markIDsPerStatement)
		list, err := json.Marshal(ids[:n])
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, markDeliveredManySQL, ts, string(list)); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
