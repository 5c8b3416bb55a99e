package sim

import (
	"context"
	"log/slog"
	"time"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/assemble"
	"github.com/alerter/alerter/state"
)

// Notification is one message the dispatcher queued for one integration
// of one receiver.
type Notification struct {
	At          time.Time
	Receiver    string
	Integration string // e.g. "webhook/0"
	Message     *notifiers.Message
}

// PipelineOptions configure NewPipeline.
type PipelineOptions struct {
	// Config supplies the routing tree, receivers, inhibition rules,
	// escalation policies, storm control and external URL.
	Config *config.Config
	// Store is the evaluator's store; the pipeline attaches to it.
	Store *Store
	// Muter mutes silenced alerts (nil: nothing is silenced).
	Muter notifiers.Muter
	// Acks says which alerts are acknowledged (nil: none).
	Acks   notifiers.Acknowledger
	Logger *slog.Logger
	// OnNotification receives every queued notification, in order.
	OnNotification func(Notification)
}

// Pipeline is alerter's real dispatcher (routing, grouping, inhibition,
// silences, acknowledgements, escalation, storm control), stepped in
// simulated time. It delivers nothing.
type Pipeline struct {
	d       *notifiers.Dispatcher
	store   *Store
	next    time.Time
	hasNext bool
	last    time.Time
	// stepping is the time of the dispatcher round in progress.
	stepping time.Time
}

// NewPipeline builds the dispatcher for o.Config as `alerter run` does.
// Receivers' integrations are built (so that each one's send_resolved
// default applies) but never called.
func NewPipeline(o PipelineOptions) (*Pipeline, error) {
	cfg := o.Config
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	parts, err := assemble.Build(cfg, assemble.Options{Logger: o.Logger, UserAgent: "alerter"})
	if err != nil {
		return nil, err
	}
	p := &Pipeline{store: o.Store}
	dopts := parts.DispatcherOptions(cfg)
	dopts.Events = o.Store
	dopts.Store = o.Store
	dopts.Consume = o.Store.MarkDelivered
	dopts.Logger = o.Logger
	// Rule evaluations run before the dispatcher is stepped, so every
	// evaluation due up to a step is stored by then: group_wait_early
	// releases a new group at the step that formed it, as alerter run
	// does a moment after the evaluation's commit.
	dopts.Evaluations = p
	// Interfaces holding typed nils would not compare equal to nil.
	if o.Muter != nil {
		dopts.Muter = o.Muter
	}
	if o.Acks != nil {
		dopts.Acks = o.Acks
	}
	d, err := notifiers.NewDispatcher(dopts)
	if err != nil {
		return nil, err
	}
	p.d = d
	on := o.OnNotification
	o.Store.Attach(func(n *state.Notification, m *notifiers.Message) {
		if on != nil {
			on(Notification{At: n.CreatedAt, Receiver: n.Receiver, Integration: n.Integration, Message: m})
		}
	})
	return p, nil
}

// Start loads the dispatcher at now, the start of simulated time.
func (p *Pipeline) Start(ctx context.Context, now time.Time) error {
	if err := p.d.Load(ctx, now); err != nil {
		return err
	}
	p.last = now
	return nil
}

// RunBefore steps the dispatcher at every time it asks for that is before
// t: group_wait and group_interval ticks, escalation levels, digests.
func (p *Pipeline) RunBefore(ctx context.Context, t time.Time) {
	for p.hasNext && p.next.Before(t) {
		at := p.next
		if at.Before(p.last) {
			at = p.last // due while we were elsewhere: now
		}
		p.Step(ctx, at)
		if !p.next.After(at) && p.hasNext {
			// Nothing moved on (cannot happen with positive intervals):
			// do not spin.
			break
		}
	}
}

// Step runs one dispatcher round at t: new events are taken in, due
// groups flush.
func (p *Pipeline) Step(ctx context.Context, t time.Time) {
	p.stepping = t
	p.next, p.hasNext = p.d.Step(ctx, t)
	p.last = t
}

// AcksChanged tells the dispatcher that acknowledgements changed; the next
// Step applies it.
func (p *Pipeline) AcksChanged() { p.d.AcksChanged() }

// EvaluatedBefore implements notifiers.EvaluationProgress: every
// evaluation due up to the step in progress has run.
func (p *Pipeline) EvaluatedBefore() (time.Time, bool) {
	return p.stepping.Add(time.Nanosecond), !p.stepping.IsZero()
}

// Err returns the first notification that could not be read back.
func (p *Pipeline) Err() error { return p.store.Err() }
