package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alerter/alerter/alert"
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

	if err := s.upsertAlerts(ctx, tx, b.Upserts); err != nil {
		return err
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

// upsertAlerts writes the alerts, chunkRows to a statement while that
// many are left, then one by one.
//
// A large batch is written in key order, so that the primary key's index
// is walked once instead of being looked up at random for each alert: with
// a page cache far smaller than the table, that is the difference between
// reading each index page once and reading it once per alert.
func (s *Store) upsertAlerts(ctx context.Context, tx *sql.Tx, as []*alert.Alert) error {
	if len(as) >= chunkRows {
		as = slices.Clone(as)
		slices.SortStableFunc(as, func(a, b *alert.Alert) int { // stable: a later listing still wins
			if c := strings.Compare(a.Key.RuleID, b.Key.RuleID); c != 0 {
				return c
			}
			return cmp.Compare(codec.EncodeFingerprint(a.Key.ID), codec.EncodeFingerprint(b.Key.ID))
		})
	}
	var (
		chunk *sql.Stmt
		args  []any
	)
	for len(as) >= chunkRows {
		if chunk == nil {
			chunk = tx.StmtContext(ctx, s.stmts.upsertAlerts)
			args = make([]any, 0, chunkRows*16)
		}
		args = args[:0]
		for _, a := range as[:chunkRows] {
			aa, err := alertArgs(a)
			if err != nil {
				return fmt.Errorf("alert %s/%s: %w", a.Key.RuleID, a.Key.ID, err)
			}
			args = append(args, aa...)
		}
		if _, err := chunk.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("upserting %d alerts from %s/%s: %w", chunkRows, as[0].Key.RuleID, as[0].Key.ID, err)
		}
		as = as[chunkRows:]
	}
	if len(as) == 0 {
		return nil
	}
	st := tx.StmtContext(ctx, s.stmts.upsertAlert)
	for _, a := range as {
		aa, err := alertArgs(a)
		if err != nil {
			return fmt.Errorf("alert %s/%s: %w", a.Key.RuleID, a.Key.ID, err)
		}
		if _, err := st.ExecContext(ctx, aa...); err != nil {
			return fmt.Errorf("upserting alert %s/%s: %w", a.Key.RuleID, a.Key.ID, err)
		}
	}
	return nil
}

// insertEvents appends b's events to the outbox and records their IDs in
// ids, which has one slot per event: chunkRows to a statement while that
// many are left (their IDs, assigned in the order of the rows, come back
// sorted), then one by one.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, b *state.Batch, ids []int64) error {
	created, err := codec.EncodeTime(s.now())
	if err != nil {
		return fmt.Errorf("creation time: %w", err)
	}
	row := func(i int, e *alert.Event) ([]any, error) {
		at, err := codec.EncodeTime(e.At)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		snap, err := codec.EncodeSnapshot(&e.Alert)
		if err != nil {
			return nil, fmt.Errorf("event %d: alert: %w", i, err)
		}
		return []any{int64(e.Kind), at, e.PrevSeverity, snap, created}, nil
	}
	evs, done := b.Events, 0
	if len(evs) >= chunkRows {
		chunk := tx.StmtContext(ctx, s.stmts.insertEvents)
		args := make([]any, 0, chunkRows*5)
		for len(evs)-done >= chunkRows {
			args = args[:0]
			for i := done; i < done+chunkRows; i++ {
				r, err := row(i, evs[i])
				if err != nil {
					return err
				}
				args = append(args, r...)
			}
			if err := scanIDs(ctx, chunk, args, ids[done:done+chunkRows]); err != nil {
				return fmt.Errorf("inserting events %d-%d: %w", done, done+chunkRows-1, err)
			}
			done += chunkRows
		}
	}
	if done == len(evs) {
		return nil
	}
	st := tx.StmtContext(ctx, s.stmts.insertEvent)
	for i := done; i < len(evs); i++ {
		r, err := row(i, evs[i])
		if err != nil {
			return err
		}
		res, err := st.ExecContext(ctx, r...)
		if err != nil {
			return fmt.Errorf("inserting %s event %d: %w", evs[i].Kind, i, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return fmt.Errorf("event %d: reading its id: %w", i, err)
		}
	}
	return nil
}

// scanIDs runs a multi-row INSERT … RETURNING id and puts the IDs, sorted
// (SQLite assigns them in the order of the rows but may return them in
// any order), into ids, which must have one slot per row.
func scanIDs(ctx context.Context, st *sql.Stmt, args []any, ids []int64) error {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n == len(ids) {
			return fmt.Errorf("more ids returned than the %d rows inserted", len(ids))
		}
		if err := rows.Scan(&ids[n]); err != nil {
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != len(ids) {
		return fmt.Errorf("%d ids returned for %d rows", n, len(ids))
	}
	slices.Sort(ids)
	return nil
}
