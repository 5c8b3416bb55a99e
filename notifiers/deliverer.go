package notifiers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
)

// Defaults of DelivererOptions.
const (
	DefaultPollInterval   = time.Second
	DefaultBatchSize      = 500
	DefaultInitialBackoff = 500 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
)

// markTimeout bounds MarkDelivered after Run's context is cancelled, so
// that what was sent before a shutdown is still recorded.
const markTimeout = 5 * time.Second

// DelivererOptions configures a Deliverer. Zero values take the defaults.
type DelivererOptions struct {
	// Outbox is drained; required.
	Outbox Outbox
	// Receiver names the receiver, in messages, logs and metrics.
	Receiver string
	// Integrations each get every message; at least one is required.
	Integrations []Integration
	// Logger defaults to discarding.
	Logger *slog.Logger
	// Registerer receives the metrics; nil registers none.
	Registerer prometheus.Registerer
	// Now stamps deliveries and times notifications; default time.Now.
	Now func() time.Time
	// PollInterval is how often the outbox is read without a Wake.
	PollInterval time.Duration
	// BatchSize caps the events read from the outbox per pass.
	BatchSize int
	// GroupBy are the labels whose values make a group; default alertname.
	GroupBy []model.LabelName
	// InitialBackoff and MaxBackoff bound the wait after a failed pass.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
}

// integration is an Integration with its name.
type integration struct {
	name string
	Integration
}

// Deliverer drains the outbox into the integrations of one receiver.
//
// Delivery is at least once per integration: an event leaves the outbox
// only when every integration has accepted it, and each integration gets
// the events of a group in outbox order, never a later one before an
// earlier one it has not accepted. The exception is a permanent rejection
// (a 400, say): it is logged, counted in
// alerter_notifications_failed_total{reason="permanent"} and the events
// are marked delivered anyway, since retrying cannot fix the request and
// would hold up its group forever.
//
// A Deliverer must be the only one marking events of its outbox delivered.
type Deliverer struct {
	outbox         Outbox
	receiver       string
	integrations   []integration
	logger         *slog.Logger
	now            func() time.Time
	pollInterval   time.Duration
	batchSize      int
	groupBy        []model.LabelName
	initialBackoff time.Duration
	maxBackoff     time.Duration
	metrics        *metrics

	wake    chan struct{}
	running atomic.Bool
	// done holds, for events still in the outbox, the integrations that
	// have finished with them (sent, or failed permanently), so that a
	// retry does not send them again. Only Run's goroutine uses it.
	done map[doneKey]bool
}

// doneKey is one event at one integration.
type doneKey struct {
	event       int64
	integration int
}

// NewDeliverer checks the options, applies defaults and registers the
// metrics, with every series created at zero.
func NewDeliverer(o DelivererOptions) (*Deliverer, error) {
	if o.Outbox == nil {
		return nil, errors.New("notifiers: deliverer needs an outbox")
	}
	if len(o.Integrations) == 0 {
		return nil, fmt.Errorf("notifiers: receiver %q has no integration", o.Receiver)
	}
	if o.PollInterval < 0 || o.BatchSize < 0 || o.InitialBackoff < 0 || o.MaxBackoff < 0 {
		return nil, errors.New("notifiers: negative interval, batch size or backoff")
	}
	d := &Deliverer{
		outbox:         o.Outbox,
		receiver:       o.Receiver,
		logger:         o.Logger,
		now:            o.Now,
		pollInterval:   cmp.Or(o.PollInterval, DefaultPollInterval),
		batchSize:      cmp.Or(o.BatchSize, DefaultBatchSize),
		groupBy:        o.GroupBy,
		initialBackoff: cmp.Or(o.InitialBackoff, DefaultInitialBackoff),
		maxBackoff:     cmp.Or(o.MaxBackoff, DefaultMaxBackoff),
		wake:           make(chan struct{}, 1),
		done:           map[doneKey]bool{},
	}
	if d.logger == nil {
		d.logger = slog.New(slog.DiscardHandler)
	}
	d.logger = d.logger.With("receiver", o.Receiver)
	if d.now == nil {
		d.now = time.Now
	}
	if len(d.groupBy) == 0 {
		d.groupBy = []model.LabelName{model.AlertNameLabel}
	}
	if d.maxBackoff < d.initialBackoff {
		return nil, fmt.Errorf("notifiers: max backoff %s is below initial backoff %s", d.maxBackoff, d.initialBackoff)
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("notifiers: registering metrics: %w", err)
	}
	d.metrics = m
	for i, in := range o.Integrations {
		if in == nil {
			return nil, fmt.Errorf("notifiers: receiver %q: integration %d is nil", o.Receiver, i)
		}
		name := fmt.Sprintf("integration%d", i)
		if n, ok := in.(Named); ok && n.Name() != "" {
			name = n.Name()
		}
		d.integrations = append(d.integrations, integration{name: name, Integration: in})
		m.initIntegration(o.Receiver, name)
	}
	return d, nil
}

// Wake asks Run to read the outbox now rather than at the next poll, for
// instance right after the evaluator committed events. It never blocks;
// wakes that arrive before Run gets to them count as one. During a
// back-off after a failure it does not cut the wait short.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is cancelled: it reads the outbox at once, then
// on every Wake or PollInterval, and after a failed pass waits with
// exponential back-off instead. It must not be called concurrently.
func (d *Deliverer) Run(ctx context.Context) {
	if !d.running.CompareAndSwap(false, true) {
		panic("notifiers: Deliverer.Run called concurrently")
	}
	defer d.running.Store(false)

	bo := backoff{initial: d.initialBackoff, max: d.maxBackoff}
	timer := time.NewTimer(d.pollInterval)
	defer timer.Stop()
	for {
		// Everything committed before this point is read by this pass.
		select {
		case <-d.wake:
		default:
		}
		res := d.pass(ctx)
		d.updateDepth(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := d.pollInterval
		switch {
		case res.retry:
			wait = bo.next()
			d.logger.Debug("backing off", "wait", wait)
		case res.full:
			bo.reset()
			continue // More is waiting: drain it now.
		default:
			bo.reset()
		}
		timer.Reset(wait)
		if res.retry {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// updateDepth refreshes the outbox depth gauge.
func (d *Deliverer) updateDepth(ctx context.Context) {
	n, err := d.outbox.OutboxDepth(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.logger.Warn("reading outbox depth", "err", err)
		}
		return
	}
	d.metrics.depth.Set(float64(n))
}
