// Package cluster is what lets several alerter replicas share one store:
// the leader loop (Elector) that holds the store's leadership lease and
// runs the leader's work only while it holds it, the watcher of other
// replicas' changes (Watcher), the heartbeat that lists the replicas
// (Heartbeat), and the cached view of the stored alerts that replicas
// which do not evaluate serve (View).
//
// Leadership is a capability handed out by the store: a lease with a
// time-to-live measured by the store's clock and an epoch that grows with
// every term. The Elector compares only its own monotonic clock with
// itself: a leader that could not renew for most of the time-to-live steps
// down before the lease can have expired in the store, and every write of
// the term carries its epoch so that the store refuses a deposed leader.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alerter/alerter/internal/condlog"
	"github.com/alerter/alerter/state"
)

// LeaseStore hands out the leadership lease; both state stores implement
// it (see state.Lease).
type LeaseStore interface {
	AcquireLease(ctx context.Context, holder string, ttl time.Duration) (state.Lease, error)
	RenewLease(ctx context.Context, holder string, epoch int64, ttl time.Duration) (state.Lease, error)
	ReleaseLease(ctx context.Context, holder string, epoch int64) error
}

// DefaultTTL is the lease's time-to-live when ElectorOptions.TTL is 0.
const DefaultTTL = 15 * time.Second

// ElectorOptions configure an Elector.
type ElectorOptions struct {
	Store LeaseStore
	// Holder names this process in the lease; unique per process start.
	Holder string
	// TTL is the lease's time-to-live (DefaultTTL). The leader renews it
	// every TTL/3 and steps down when it could not for TTL*4/5.
	TTL time.Duration
	// Lead does the leader's work for one term: it starts it, runs until
	// ctx ends (the term is over), stops it, and returns. An error before
	// ctx ended gives the lease up (another replica may do better) and the
	// Elector tries again later.
	Lead func(ctx context.Context, epoch int64) error
	// Retry, when set, is how long to wait before trying again after a
	// failure: taking the lease, or this replica's work. By default that is
	// TTL/3 and TTL (another replica tries first); a single replica, with
	// no one to hand over to, retries sooner.
	Retry  time.Duration
	Logger *slog.Logger
	// Registerer receives the leadership metrics; nil registers none.
	Registerer prometheus.Registerer
}

// Elector runs the leader loop of one replica: it takes the lease when it
// is free, renews it while it holds it, and runs Lead for each term.
type Elector struct {
	o       ElectorOptions
	log     *slog.Logger
	metrics *electorMetrics
	wake    chan struct{}
	// storeCond logs lease calls failing once per outage.
	storeCond condlog.Condition

	mu       sync.Mutex
	epoch    int64     // the current term's epoch; 0 when not leading
	deadline time.Time // the term ends by itself then (monotonic)
	settled  bool      // the first acquisition attempt is over
	holder   string    // who holds the lease, as last seen
}

// NewElector builds an Elector; Run runs it.
func NewElector(o ElectorOptions) (*Elector, error) {
	if o.Store == nil || o.Lead == nil || o.Holder == "" {
		return nil, errors.New("cluster: an elector needs a store, a holder name and Lead")
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Elector{
		o:       o,
		log:     o.Logger.With("component", "leader"),
		metrics: newElectorMetrics(o.Registerer),
		wake:    make(chan struct{}, 1),
	}, nil
}

// renewEvery is how often the leader renews: three chances per TTL.
func (e *Elector) renewEvery() time.Duration { return e.o.TTL / 3 }

// stepDownAfter is how long after the start of its last successful renewal
// the leader steps down by itself: before the lease can expire in the
// store (which counts from a moment after that start), with a fifth of the
// TTL left to stop its work.
func (e *Elector) stepDownAfter() time.Duration { return e.o.TTL - e.o.TTL/5 }

// Wake makes a follower try to take the lease now (another replica released
// it). It never blocks.
func (e *Elector) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Leading returns the current term's epoch and true while this replica
// leads.
func (e *Elector) Leading() (int64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.epoch, e.epoch != 0
}

// Valid reports whether the term with epoch is still this replica's by its
// own clock: a sender asks right before it sends, so that a leader paused
// past its lease sends nothing once it resumes, even before it noticed.
func (e *Elector) Valid(epoch int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.epoch == epoch && epoch != 0 && time.Now().Before(e.deadline)
}

// Settled reports whether the first attempt to take the lease is over, so
// that a replica knows whether it starts as leader or follower.
func (e *Elector) Settled() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.settled
}

// Holder is who held the lease when this replica last looked ("" if
// nobody, or unknown).
func (e *Elector) Holder() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.holder
}

// Run is the leader loop; it returns when ctx ends, after stopping the
// term's work and releasing the lease so that another replica takes over at
// once.
func (e *Elector) Run(ctx context.Context) {
	retry := e.renewEvery()
	if e.o.Retry > 0 {
		retry = e.o.Retry
	}
	for ctx.Err() == nil {
		l, start, err := e.acquire(ctx)
		e.mu.Lock()
		e.settled = true
		if err == nil {
			e.holder = l.Holder
		}
		e.mu.Unlock()
		if err != nil || !l.Held {
			wait := retry
			if err == nil && l.Remaining > 0 {
				// Try right after the holder's lease would expire.
				wait = min(retry, l.Remaining+50*time.Millisecond)
			}
			select {
			case <-ctx.Done():
			case <-e.wake:
			case <-time.After(wait):
			}
			continue
		}
		e.term(ctx, l, start)
	}
}

// acquire asks for the lease, noting when it asked: the store counts the
// time-to-live from a moment after that.
func (e *Elector) acquire(ctx context.Context) (state.Lease, time.Time, error) {
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, e.renewEvery())
	defer cancel()
	l, err := e.o.Store.AcquireLease(actx, e.o.Holder, e.o.TTL)
	if err != nil {
		if ctx.Err() == nil {
			e.storeCond.Fail(e.log, slog.LevelWarn, "cannot reach the store to take the leadership lease; retrying (no replica evaluates or notifies without it)", "err", err)
		}
		return state.Lease{}, start, err
	}
	e.storeCond.OK(e.log, "the store is reachable again")
	return l, start, nil
}

// term runs one term: Lead in its own goroutine, renewals here, until the
// lease is lost, cannot be renewed in time, Lead fails, or ctx ends.
func (e *Elector) term(ctx context.Context, l state.Lease, start time.Time) {
	e.mu.Lock()
	e.epoch, e.deadline = l.Epoch, start.Add(e.stepDownAfter())
	e.mu.Unlock()
	e.metrics.leader.Set(1)
	e.metrics.epoch.Set(float64(l.Epoch))
	e.metrics.changes.WithLabelValues("acquired").Inc()
	if l.Previous != "" {
		e.metrics.failovers.Inc()
		e.log.Warn("took over the leadership from a replica whose lease expired", "epoch", l.Epoch, "previous", l.Previous)
	} else {
		e.log.Info("this replica is the leader", "epoch", l.Epoch)
	}

	tctx, cancel := context.WithCancel(ctx)
	leadDone := make(chan error, 1)
	go func() { leadDone <- e.o.Lead(tctx, l.Epoch) }()

	reason, release := e.hold(ctx, l.Epoch, start, leadDone)

	cancel()
	if err := <-leadDone; err != nil && reason == "" {
		reason = "its work failed: " + err.Error()
	}
	e.mu.Lock()
	e.epoch, e.deadline = 0, time.Time{}
	e.mu.Unlock()
	e.metrics.leader.Set(0)
	e.metrics.changes.WithLabelValues("lost").Inc()
	if release {
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), e.renewEvery())
		if err := e.o.Store.ReleaseLease(rctx, e.o.Holder, l.Epoch); err != nil {
			e.log.Warn("releasing the leadership lease failed; it expires by itself", "err", err)
		}
		rcancel()
	}
	e.log.Warn("this replica is no longer the leader", "epoch", l.Epoch, "reason", reason)
	if ctx.Err() == nil && !release {
		return
	}
	if ctx.Err() == nil {
		// Lead failed: let another replica try before this one again.
		wait := e.o.TTL
		if e.o.Retry > 0 {
			wait = e.o.Retry
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// hold renews the lease of the term with epoch until the term must end,
// and says why, and whether the lease should be released (it still is
// this replica's: a shutdown, or Lead failed).
func (e *Elector) hold(ctx context.Context, epoch int64, start time.Time, leadDone chan error) (string, bool) {
	deadline := start.Add(e.stepDownAfter())
	next := start.Add(e.renewEvery())
	for {
		wakeAt := next
		if deadline.Before(wakeAt) {
			wakeAt = deadline
		}
		timer := time.NewTimer(time.Until(wakeAt))
		select {
		case <-ctx.Done():
			timer.Stop()
			return "shutting down", true
		case err := <-leadDone:
			timer.Stop()
			leadDone <- err // back for term(), which waits for it (buffered)
			e.leadFailed(err)
			return "its work stopped: " + fmt.Sprint(err), true
		case <-timer.C:
		}
		now := time.Now()
		if !now.Before(deadline) {
			return fmt.Sprintf("the lease could not be renewed for %s", now.Sub(start).Round(time.Millisecond)), false
		}
		rstart := now
		rctx, cancel := context.WithDeadline(ctx, deadline)
		_, err := e.o.Store.RenewLease(rctx, e.o.Holder, epoch, e.o.TTL)
		cancel()
		switch {
		case err == nil:
			e.storeCond.OK(e.log, "renewing the leadership lease works again")
			start, deadline = rstart, rstart.Add(e.stepDownAfter())
			next = rstart.Add(e.renewEvery())
			e.mu.Lock()
			e.deadline = deadline
			e.mu.Unlock()
		case errors.Is(err, state.ErrFenced):
			e.metrics.renewFailures.Inc()
			return "another replica holds the lease", false
		case ctx.Err() != nil:
			return "shutting down", true
		default:
			e.metrics.renewFailures.Inc()
			e.storeCond.Fail(e.log, slog.LevelWarn, "renewing the leadership lease failed; retrying until the lease would expire", "err", err,
				"steps_down_in", time.Until(deadline).Round(time.Millisecond))
			// Try again soon, but not in a tight loop; the loop wakes at
			// the deadline anyway, to step down.
			next = time.Now().Add(e.renewEvery() / 4)
		}
	}
}

// leadFailed logs why the leader's work ended before its term.
func (e *Elector) leadFailed(err error) {
	if err != nil {
		e.log.Error("the leader's work failed; giving the leadership up", "err", err)
	}
}
