package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// Store is what the ingester needs of the state store: the same Commit
// (alert records and outbox events in one transaction) and LoadAlerts the
// evaluator uses. state/sqlite's Store and any other state.Store satisfy it.
type Store interface {
	LoadAlerts(ctx context.Context) ([]*alert.Alert, error)
	Commit(ctx context.Context, b *state.Batch) error
}

// Defaults of Options.
const (
	// DefaultResolveTimeout is Alertmanager's default resolve_timeout.
	DefaultResolveTimeout = 5 * time.Minute
	// DefaultResolvedRetention keeps a resolved pushed alert as long as a
	// resolved evaluated one.
	DefaultResolvedRetention = 15 * time.Minute
)

// batchGroup names the ingester's batches in the store's errors and logs.
const batchGroup = alert.PushedRuleID

// Options configure an Ingester. Zero values take the documented defaults.
type Options struct {
	Store  Store
	Logger *slog.Logger
	// Registerer receives the ingester's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// ResolveTimeout: an alert pushed without endsAt resolves this long
	// after it was last received (5m).
	ResolveTimeout time.Duration
	// ResolvedRetention is how long a resolved alert is kept (15m).
	ResolvedRetention time.Duration
	// OnEvents is called after events were stored, to wake delivery.
	OnEvents func()
}

// ErrUnavailable marks the errors after which a sender should try again
// later (HTTP 503): nothing was accepted, and the request was fine.
var ErrUnavailable = errors.New("unavailable")

// ErrNotReady is returned by Push before Restore has loaded the stored
// pushed alerts (or after Stop, on a replica that no longer leads).
var ErrNotReady = fmt.Errorf("pushed alerts are not restored yet: %w", ErrUnavailable)

// Ingester holds the pushed alerts. Its memory is a cache of the store:
// every change is committed before it is applied.
type Ingester struct {
	store   Store
	log     *slog.Logger
	metrics *metrics
	opts    Options

	mu             sync.Mutex
	alerts         map[model.Fingerprint]*alert.Alert
	timeout        map[model.Fingerprint]bool
	resolveTimeout time.Duration
	ready          bool

	wake chan struct{}
}

// New builds an Ingester. It holds nothing until Restore.
func New(opts Options) (*Ingester, error) {
	if opts.Store == nil {
		return nil, errors.New("ingest: Store is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ResolveTimeout <= 0 {
		opts.ResolveTimeout = DefaultResolveTimeout
	}
	if opts.ResolvedRetention <= 0 {
		opts.ResolvedRetention = DefaultResolvedRetention
	}
	in := &Ingester{
		store:          opts.Store,
		log:            opts.Logger,
		opts:           opts,
		alerts:         map[model.Fingerprint]*alert.Alert{},
		timeout:        map[model.Fingerprint]bool{},
		resolveTimeout: opts.ResolveTimeout,
		wake:           make(chan struct{}, 1),
	}
	in.metrics = newMetrics(opts.Registerer, in)
	return in, nil
}

// SetResolveTimeout changes the resolve timeout for alerts received from
// now on (a reload); alerts already held keep their endsAt.
func (in *Ingester) SetResolveTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultResolveTimeout
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.resolveTimeout = d
}

// Restore loads the pushed alerts from the store. A firing alert that
// would resolve within the resolve timeout of now is kept firing until
// now plus the resolve timeout: while alerter was down its senders' re-sends
// were lost, and resolving it now would be a false "resolved". Its sender
// re-sends it (Prometheus every resend_delay, 1m) or sends its resolution.
func (in *Ingester) Restore(ctx context.Context, now time.Time) error {
	in.mu.Lock()
	st := in.store
	in.mu.Unlock()
	stored, err := st.LoadAlerts(ctx)
	if err != nil {
		return fmt.Errorf("loading pushed alerts: %w", err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	clear(in.alerts)
	clear(in.timeout)
	grace := now.Add(in.resolveTimeout)
	n := 0
	for _, a := range stored {
		if !a.Key.Pushed() {
			continue
		}
		if a.State == alert.StateFiring && a.EndsAt.Before(grace) {
			a.EndsAt = grace
			in.timeout[a.Key.ID] = true
		}
		in.alerts[a.Key.ID] = a
		n++
	}
	in.ready = true
	in.log.Info("pushed alerts restored", "alerts", n)
	in.poke()
	return nil
}

// StartWith makes st the store pushes are committed to and restores the
// pushed alerts from it: a leader passes its leadership term's fenced view
// of the store, so that nothing is stored once the term is over.
func (in *Ingester) StartWith(ctx context.Context, st Store, now time.Time) error {
	in.mu.Lock()
	in.store = st
	in.mu.Unlock()
	return in.Restore(ctx, now)
}

// Stop forgets the pushed alerts: the store holds them, and the next
// StartWith restores them. Until then Push answers ErrNotReady.
func (in *Ingester) Stop() {
	in.mu.Lock()
	defer in.mu.Unlock()
	clear(in.alerts)
	clear(in.timeout)
	in.ready = false
}

// Ready reports whether Restore has run.
func (in *Ingester) Ready() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.ready
}

// Push takes in alerts received at now. Valid alerts are committed to the
// store, with the firing and resolved events they cause, in one
// transaction, then applied; invalid ones are counted and reported in a
// *ValidationError (the valid ones are still accepted, as in
// Alertmanager). Any other error means nothing was accepted.
func (in *Ingester) Push(ctx context.Context, alerts []Alert, now time.Time) error {
	var verr *ValidationError
	valid := make([]Alert, 0, len(alerts))
	for i := range alerts {
		a := alerts[i]
		a.Labels, a.Annotations = a.Labels.Clone(), a.Annotations.Clone()
		if err := a.Validate(); err != nil {
			if verr == nil {
				verr = &ValidationError{Total: len(alerts)}
			}
			verr.Errors = append(verr.Errors, fmt.Sprintf("alerts[%d]%s", i, err.Error()))
			in.metrics.invalid.Inc()
			continue
		}
		valid = append(valid, a)
	}
	if err := in.push(ctx, valid, now); err != nil {
		return err
	}
	if verr != nil {
		verr.Accepted = len(valid)
		return verr
	}
	return nil
}

func (in *Ingester) push(ctx context.Context, alerts []Alert, now time.Time) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.ready {
		return ErrNotReady
	}
	if len(alerts) == 0 {
		return nil
	}
	// Changes are made on copies and applied once stored.
	next := map[model.Fingerprint]*alert.Alert{}
	timeout := map[model.Fingerprint]bool{}
	batch := &state.Batch{Group: batchGroup}
	firing, resolved := 0, 0
	for _, a := range alerts {
		r := withDefaults(a, now, in.resolveTimeout)
		if resolvedAt(r.EndsAt, now) {
			resolved++
		} else {
			firing++
		}
		fp := r.Labels.Fingerprint()
		cur, curTimeout := next[fp], timeout[fp]
		if cur == nil {
			cur, curTimeout = in.alerts[fp], in.timeout[fp]
		}
		if cur != nil {
			// An end that passed but was not swept yet resolves first.
			if done := expire(cur, now); done != nil {
				batch.Events = append(batch.Events, event(alert.EventResolved, done, now))
				cur = done
			}
		}
		rec, kind := apply(cur, curTimeout, r, now)
		if rec == nil {
			continue
		}
		next[fp], timeout[fp] = rec, r.timeout
		if kind != 0 {
			batch.Events = append(batch.Events, event(kind, rec, now))
		}
	}
	for _, a := range next {
		batch.Upserts = append(batch.Upserts, a)
	}
	if !batch.Empty() {
		if err := in.store.Commit(ctx, batch); err != nil {
			if errors.Is(err, state.ErrFenced) {
				// This replica's leadership term is over.
				return fmt.Errorf("storing pushed alerts: %w (%w)", err, ErrUnavailable)
			}
			return fmt.Errorf("storing pushed alerts: %w", err)
		}
	}
	in.metrics.received.WithLabelValues("firing").Add(float64(firing))
	in.metrics.received.WithLabelValues("resolved").Add(float64(resolved))
	for fp, a := range next {
		in.alerts[fp] = a
		in.timeout[fp] = timeout[fp]
	}
	if len(batch.Events) > 0 && in.opts.OnEvents != nil {
		in.opts.OnEvents()
	}
	in.poke()
	return nil
}

func event(k alert.EventKind, a *alert.Alert, now time.Time) *alert.Event {
	return &alert.Event{Kind: k, At: now, Alert: *a.Clone()}
}

// poke wakes Run, whose next deadline may have changed.
func (in *Ingester) poke() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// Alerts returns copies of the firing pushed alerts.
func (in *Ingester) Alerts() []*alert.Alert {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]*alert.Alert, 0, len(in.alerts))
	for _, a := range in.alerts {
		if a.State == alert.StateFiring {
			out = append(out, a.Clone())
		}
	}
	return out
}

func (in *Ingester) countFiring() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, a := range in.alerts {
		if a.State == alert.StateFiring {
			n++
		}
	}
	return n
}
