package sim

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/email"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/notifiers/pagerduty"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/notifiers/slack"
	"github.com/alerter/alerter/notifiers/template"
	"github.com/alerter/alerter/notifiers/webhook"
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
}

// NewPipeline builds the dispatcher for o.Config as `alerter run` does.
// Receivers' integrations are built (so that each one's send_resolved
// default applies) but never called.
func NewPipeline(o PipelineOptions) (*Pipeline, error) {
	cfg := o.Config
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	receivers, err := Receivers(cfg, o.Logger)
	if err != nil {
		return nil, err
	}
	rc := cfg.Route
	if rc == nil {
		rc = &route.Config{Receiver: "<none>"}
	}
	root, err := route.New(rc)
	if err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	var ih *inhibit.Inhibitor
	if len(cfg.InhibitRules) > 0 {
		if ih, err = inhibit.New(cfg.InhibitRules); err != nil {
			return nil, fmt.Errorf("inhibit_rules: %w", err)
		}
	}
	p := &Pipeline{store: o.Store}
	dopts := notifiers.DispatcherOptions{
		Route:       root,
		Receivers:   receivers,
		Inhibitor:   ih,
		Escalations: cfg.Policies(),
		Events:      o.Store,
		Store:       o.Store,
		Consume:     o.Store.MarkDelivered,
		Logger:      o.Logger,
		ExternalURL: cfg.Global.ExternalURL,
		Storm:       notifiers.StormOptions{MaxAlerts: cfg.StormControl.MaxAlerts, Window: time.Duration(cfg.StormControl.Window)},
		MaxOutbox:   cfg.Delivery.MaxOutbox,
	}
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

// Receivers builds every receiver's integrations from cfg, as `alerter
// run` does, so that their names ("slack/0") and send_resolved settings
// are the ones it uses.
func Receivers(cfg *config.Config, log *slog.Logger) (map[string][]notifiers.ReceiverIntegration, error) {
	tmpl, err := template.New(cfg.Templates...)
	if err != nil {
		return nil, err
	}
	out := map[string][]notifiers.ReceiverIntegration{}
	for _, r := range cfg.Receivers {
		opts := notifiers.IntegrationOptions{Receiver: r.Name, Logger: log, UserAgent: "alerter", ExternalURL: cfg.Global.ExternalURL}
		var ints []notifiers.ReceiverIntegration
		add := func(kind string, i int, n interface {
			notifiers.Integration
			SendResolved() bool
		}, err error) error {
			if err != nil {
				return fmt.Errorf("receiver %q %s_configs[%d]: %w", r.Name, kind, i, err)
			}
			ints = append(ints, notifiers.ReceiverIntegration{Name: fmt.Sprintf("%s/%d", kind, i), Integration: n, SendResolved: n.SendResolved()})
			return nil
		}
		for i, c := range r.WebhookConfigs {
			n, err := webhook.New(c, opts)
			if err := add("webhook", i, n, err); err != nil {
				return nil, err
			}
		}
		for i, c := range r.SlackConfigs {
			n, err := slack.New(c, tmpl, opts)
			if err := add("slack", i, n, err); err != nil {
				return nil, err
			}
		}
		for i, c := range r.PagerdutyConfigs {
			n, err := pagerduty.New(c, tmpl, opts)
			if err := add("pagerduty", i, n, err); err != nil {
				return nil, err
			}
		}
		for i, c := range r.EmailConfigs {
			n, err := email.New(c, tmpl, opts)
			if err := add("email", i, n, err); err != nil {
				return nil, err
			}
		}
		out[r.Name] = ints
	}
	return out, nil
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
	p.next, p.hasNext = p.d.Step(ctx, t)
	p.last = t
}

// AcksChanged tells the dispatcher that acknowledgements changed; the next
// Step applies it.
func (p *Pipeline) AcksChanged() { p.d.AcksChanged() }

// Err returns the first notification that could not be read back.
func (p *Pipeline) Err() error { return p.store.Err() }
