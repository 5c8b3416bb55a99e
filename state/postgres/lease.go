package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/state"
)

// micros turns a duration into the bigint microseconds the SQL below
// multiplies by interval '1 microsecond'.
func micros(d time.Duration) int64 { return d.Microseconds() }

// fromMicros is the inverse of micros, for durations PostgreSQL computed.
func fromMicros(n int64) time.Duration { return time.Duration(n) * time.Microsecond }

// readLeaseSQL reads the lease; whether it is live and how long it has left
// are computed by PostgreSQL's clock.
const readLeaseSQL = `SELECT holder, epoch, holder <> '' AND expires_at > now(),
	GREATEST(0, (extract(epoch FROM expires_at - now()) * 1e6)::bigint) FROM lease`

// AcquireLease starts a new term for holder, lasting ttl by PostgreSQL's
// clock, if the lease is free, expired or already holder's (a new term:
// a greater epoch); otherwise it says who holds it and for how long.
func (s *Store) AcquireLease(ctx context.Context, holder string, ttl time.Duration) (state.Lease, error) {
	if holder == "" {
		return state.Lease{}, errors.New("postgres state: acquiring the lease: empty holder")
	}
	var out state.Lease
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			cur  string
			live bool
			rem  int64
		)
		if err := tx.QueryRow(ctx, readLeaseSQL+` FOR UPDATE`).Scan(&cur, &out.Epoch, &live, &rem); err != nil {
			return err
		}
		if live && cur != holder {
			out.Holder, out.Remaining = cur, fromMicros(rem)
			return nil
		}
		if cur != "" && cur != holder {
			out.Previous = cur // it expired without being released: a takeover
		}
		if err := tx.QueryRow(ctx, `UPDATE lease SET holder = $1, epoch = epoch + 1,
			expires_at = now() + $2 * interval '1 microsecond', acquired_at = now() RETURNING epoch`,
			holder, micros(ttl)).Scan(&out.Epoch); err != nil {
			return err
		}
		out.Held, out.Holder, out.Remaining = true, holder, ttl
		b := &pgx.Batch{}
		queueBump(b, topicLease)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return state.Lease{}, wrap(ctx, err, "acquiring the lease")
	}
	return out, nil
}

// RenewLease extends holder's term by ttl from now, by PostgreSQL's clock.
// A term that is over, or has expired, is state.ErrFenced: the caller must
// step down (its lease may already be another replica's).
func (s *Store) RenewLease(ctx context.Context, holder string, epoch int64, ttl time.Duration) (state.Lease, error) {
	var got int64
	err := s.pool.QueryRow(ctx, `UPDATE lease SET expires_at = now() + $3 * interval '1 microsecond'
		WHERE holder = $1 AND epoch = $2 AND expires_at > now() RETURNING epoch`, holder, epoch, micros(ttl)).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return state.Lease{}, fmt.Errorf("postgres state: renewing the lease of term %d: %w", epoch, state.ErrFenced)
	}
	if err != nil {
		return state.Lease{}, wrap(ctx, err, "renewing the lease")
	}
	return state.Lease{Held: true, Holder: holder, Epoch: got, Remaining: ttl}, nil
}

// ReleaseLease ends holder's term now, so that another replica takes over
// at once (a clean shutdown), and wakes the others; a stale holder or
// epoch changes nothing.
func (s *Store) ReleaseLease(ctx context.Context, holder string, epoch int64) error {
	var released bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ct, err := tx.Exec(ctx, `UPDATE lease SET holder = '', expires_at = now() WHERE holder = $1 AND epoch = $2`, holder, epoch)
		if err != nil || ct.RowsAffected() == 0 {
			return err
		}
		released = true
		b := &pgx.Batch{}
		queueBump(b, topicLease)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return wrap(ctx, err, "releasing the lease")
	}
	if released {
		s.log.Debug("released the leadership lease", "epoch", epoch)
	}
	return nil
}

// ReadLease says who holds the lease now ("" when nobody does).
func (s *Store) ReadLease(ctx context.Context) (state.Lease, error) {
	var (
		l    state.Lease
		live bool
		rem  int64
	)
	if err := s.pool.QueryRow(ctx, readLeaseSQL).Scan(&l.Holder, &l.Epoch, &live, &rem); err != nil {
		return state.Lease{}, wrap(ctx, err, "reading the lease")
	}
	if !live {
		l.Holder = ""
		rem = 0
	}
	l.Remaining = fromMicros(rem)
	return l, nil
}
