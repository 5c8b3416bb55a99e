package sqlite

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/alerter/alerter/state"
)

// lease is the leadership lease of a store that one process owns: an
// SQLite file is never shared by several alerter replicas, so the lease
// lives in memory and its time-to-live is measured with the process's own
// monotonic clock. It gives the single process the same terms and fencing
// as a shared store gives its replicas (in practice: one term that lasts
// as long as the process).
//
// mu guards the term (holder and epoch): a fenced write holds it for
// reading while it runs, so that no other term can begin meanwhile. The
// expiry has a lock of its own, so that renewing the current term (which
// changes no holder and no epoch) does not wait for a long write: a storm's
// commit of 100,000 alerts must not outlast the lease it runs under.
type lease struct {
	mu     sync.RWMutex
	holder string
	epoch  int64

	expMu   sync.Mutex
	expires time.Time // with a monotonic reading; zero when free
}

// remaining is the term's time left; callers hold mu (either way).
func (l *lease) remaining(now time.Time) time.Duration {
	l.expMu.Lock()
	defer l.expMu.Unlock()
	if l.holder == "" || !now.Before(l.expires) {
		return 0
	}
	return l.expires.Sub(now)
}

// setExpires sets the expiry; callers hold mu (either way).
func (l *lease) setExpires(t time.Time) {
	l.expMu.Lock()
	l.expires = t
	l.expMu.Unlock()
}

// AcquireLease starts a new term for holder, for ttl, if the lease is free,
// expired or already holder's; otherwise it says who holds it.
func (s *Store) AcquireLease(ctx context.Context, holder string, ttl time.Duration) (state.Lease, error) {
	if err := ctx.Err(); err != nil {
		return state.Lease{}, fmt.Errorf("sqlite state: acquiring the lease: %w", err)
	}
	l := &s.lease
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if rem := l.remaining(now); rem > 0 && l.holder != holder {
		return state.Lease{Holder: l.holder, Epoch: l.epoch, Remaining: rem}, nil
	}
	prev := ""
	if l.holder != "" && l.holder != holder {
		prev = l.holder // it expired without being released: a takeover
	}
	l.holder, l.epoch = holder, l.epoch+1
	l.setExpires(now.Add(ttl))
	return state.Lease{Held: true, Holder: holder, Epoch: l.epoch, Previous: prev, Remaining: ttl}, nil
}

// RenewLease extends holder's term; state.ErrFenced when the term is over.
func (s *Store) RenewLease(ctx context.Context, holder string, epoch int64, ttl time.Duration) (state.Lease, error) {
	if err := ctx.Err(); err != nil {
		return state.Lease{}, fmt.Errorf("sqlite state: renewing the lease: %w", err)
	}
	l := &s.lease
	l.mu.RLock() // the term stays as it is: a read lock is enough
	defer l.mu.RUnlock()
	l.expMu.Lock()
	defer l.expMu.Unlock()
	now := time.Now()
	if l.holder != holder || l.epoch != epoch || !now.Before(l.expires) {
		return state.Lease{}, fmt.Errorf("sqlite state: renewing the lease of term %d: %w", epoch, state.ErrFenced)
	}
	l.expires = now.Add(ttl)
	return state.Lease{Held: true, Holder: holder, Epoch: epoch, Remaining: ttl}, nil
}

// ReleaseLease ends holder's term at once; a stale holder or epoch changes
// nothing.
func (s *Store) ReleaseLease(ctx context.Context, holder string, epoch int64) error {
	l := &s.lease
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == holder && l.epoch == epoch {
		l.holder = ""
		l.setExpires(time.Time{})
	}
	return nil
}

// ReadLease says who holds the lease.
func (s *Store) ReadLease(ctx context.Context) (state.Lease, error) {
	if err := ctx.Err(); err != nil {
		return state.Lease{}, fmt.Errorf("sqlite state: reading the lease: %w", err)
	}
	l := &s.lease
	l.mu.RLock()
	defer l.mu.RUnlock()
	rem := l.remaining(time.Now())
	if rem == 0 {
		return state.Lease{Epoch: l.epoch}, nil
	}
	return state.Lease{Holder: l.holder, Epoch: l.epoch, Remaining: rem}, nil
}

// hold runs fn if epoch is the current term's, keeping the lease from
// changing hands until fn returns; state.ErrFenced otherwise.
func (s *Store) hold(epoch int64, fn func() error) error {
	l := &s.lease
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.epoch != epoch || l.holder == "" {
		return fmt.Errorf("sqlite state: term %d is over (current term %d): %w", epoch, l.epoch, state.ErrFenced)
	}
	return fn()
}
