package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/internal/codec"
)

// Commit applies b in one write transaction: upserts, then deletes (so a key
// in both ends up deleted), then the group mark and status, then the
// events, whose IDs are set in place once the transaction has committed. On
// error nothing is stored and no event's ID is changed. The work is
// proportional to the batch, never to the stored state.
func (s *Store) Commit(ctx context.Context, b *state.Batch) error {
	if err := s.commit(ctx, b); err != nil {
		group := ""
		if b != nil {
			group = b.Group
		}
		return fmt.Errorf("sqlite state: committing group %q: %w", group, withCtxErr(ctx, err))
	}
	return nil
}

// withCtxErr makes err match ctx's error when ctx is done: database/sql rolls
// back a transaction whose context ends and then reports the interrupted
// statement as "statement is closed", hiding the cause from errors.Is.
func withCtxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

func (s *Store) commit(ctx context.Context, b *state.Batch) (err error) {
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

	// BEGIN IMMEDIATE (the DSN's _txlock): the write lock is taken here, so
	// no statement below can fail on a lock upgrade.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()

	if len(b.Upserts) > 0 {
		st := tx.StmtContext(ctx, s.stmts.upsertAlert)
		for _, a := range b.Upserts {
			args, err := alertArgs(a)
			if err != nil {
				return fmt.Errorf("alert %s/%s: %w", a.Key.RuleID, a.Key.ID, err)
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("upserting alert %s/%s: %w", a.Key.RuleID, a.Key.ID, err)
			}
		}
	}
	if len(b.Deletes) > 0 {
		st := tx.StmtContext(ctx, s.stmts.deleteAlert)
		for _, k := range b.Deletes {
			if _, err := st.ExecContext(ctx, k.RuleID, codec.EncodeFingerprint(k.ID)); err != nil {
				return fmt.Errorf("deleting alert %s/%s: %w", k.RuleID, k.ID, err)
			}
		}
	}
	if !b.EvaluatedAt.IsZero() {
		ts, err := codec.EncodeTime(b.EvaluatedAt)
		if err != nil {
			return fmt.Errorf("group mark: %w", err)
		}
		if _, err := tx.StmtContext(ctx, s.stmts.upsertMark).ExecContext(ctx, b.Group, ts); err != nil {
			return fmt.Errorf("storing group mark: %w", err)
		}
	}
	if b.Status != nil {
		if err := s.storeStatus(ctx, tx, b.Status); err != nil {
			return err
		}
	}
	if err := s.upsertEpisodes(ctx, tx, b.Episodes); err != nil {
		return err
	}
	var ids []int64
	if len(b.Events) > 0 {
		ids = make([]int64, len(b.Events))
		if err := s.insertEvents(ctx, tx, b, ids); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for i, e := range b.Events {
		e.ID = ids[i]
	}
	return nil
}

// insertEvents appends b's events to the outbox and records their IDs in
// ids, which has one slot per event.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, b *state.Batch, ids []int64) error {
	created, err := codec.EncodeTime(s.now())
	if err != nil {
		return fmt.Errorf("creation time: %w", err)
	}
	st := tx.StmtContext(ctx, s.stmts.insertEvent)
	for i, e := range b.Events {
		at, err := codec.EncodeTime(e.At)
		if err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		snap, err := codec.EncodeSnapshot(&e.Alert)
		if err != nil {
			return fmt.Errorf("event %d: alert: %w", i, err)
		}
		res, err := st.ExecContext(ctx, int64(e.Kind), at, e.PrevSeverity, snap, created)
		if err != nil {
			return fmt.Errorf("inserting %s event %d: %w", e.Kind, i, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return fmt.Errorf("event %d: reading its id: %w", i, err)
		}
	}
	return nil
}
