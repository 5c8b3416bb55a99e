package server

import (
	"context"
	"fmt"
	"sync"
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
)

// pipeline is the notification side: one dispatcher and one sender per
// integration. A reload builds a new pipeline over the same stores and
// swaps it in; the outbox and the notification log carry over.
type pipeline struct {
	s *Server

	mu      sync.Mutex
	disp    *notifiers.Dispatcher
	senders []*notifiers.Sender
	root    *route.Route
	ih      *inhibit.Inhibitor
	cancel  context.CancelFunc
	done    chan struct{}
	ctx     context.Context
}

type built struct {
	disp    *notifiers.Dispatcher
	senders []*notifiers.Sender
	root    *route.Route
	ih      *inhibit.Inhibitor
}

func newPipeline(s *Server, cfg *config.Config) (*pipeline, error) {
	p := &pipeline{s: s}
	b, err := p.build(cfg)
	if err != nil {
		return nil, err
	}
	p.disp, p.senders, p.root, p.ih = b.disp, b.senders, b.root, b.ih
	return p, nil
}

// build makes the integrations of every receiver, the routing tree, the
// inhibitor, the dispatcher and the senders for cfg.
func (p *pipeline) build(cfg *config.Config) (*built, error) {
	s := p.s
	tmpl, err := template.New(cfg.Templates...)
	if err != nil {
		return nil, err
	}
	receivers := map[string][]notifiers.ReceiverIntegration{}
	for _, r := range cfg.Receivers {
		opts := notifiers.IntegrationOptions{
			Receiver:    r.Name,
			Logger:      s.log.With("receiver", r.Name),
			UserAgent:   "alerter/" + s.opts.Version,
			ExternalURL: cfg.Global.ExternalURL,
		}
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
		var slackOpts slack.NotifierOptions
		if cfg.Web.SlackInteractions.SigningSecretFile != "" {
			slackOpts.Actions = slack.ActionButtons
		}
		for i, c := range r.SlackConfigs {
			n, err := slack.NewWithOptions(c, tmpl, opts, slackOpts)
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
		receivers[r.Name] = ints
	}
	rc := cfg.Route
	if rc == nil {
		// No routing configured: alerts are visible in the API only.
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
	b := &built{root: root, ih: ih}
	disp, err := notifiers.NewDispatcher(notifiers.DispatcherOptions{
		Route:       root,
		Receivers:   receivers,
		Inhibitor:   ih,
		Muter:       s.silences,
		Acks:        s.acks,
		Escalations: cfg.Policies(),
		Events:      s.store,
		Store:       s.store,
		Consume:     s.store.MarkDelivered,
		Logger:      s.log.With("component", "dispatcher"),
		Registerer:  s.reg,
		ExternalURL: cfg.Global.ExternalURL,
		Storm:       notifiers.StormOptions{MaxAlerts: cfg.StormControl.MaxAlerts, Window: time.Duration(cfg.StormControl.Window)},
		MaxOutbox:   cfg.Delivery.MaxOutbox,
		Evaluations: evalProgress{s},
		OnQueued: func() {
			for _, sd := range b.senders {
				sd.Wake()
			}
		},
	})
	if err != nil {
		return nil, err
	}
	b.disp = disp
	for name, ints := range receivers {
		for _, in := range ints {
			sd, err := notifiers.NewSender(notifiers.SenderOptions{
				Receiver:    name,
				Integration: in,
				Store:       s.store,
				Logger:      s.log,
				Registerer:  s.reg,
				MaxAge:      time.Duration(cfg.Delivery.MaxAge),
			})
			if err != nil {
				return nil, err
			}
			b.senders = append(b.senders, sd)
		}
	}
	return b, nil
}

// run runs the current pipeline until ctx ends.
func (p *pipeline) run(ctx context.Context) {
	p.mu.Lock()
	p.ctx = ctx
	p.startLocked()
	p.mu.Unlock()
	<-ctx.Done()
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	<-done
}

func (p *pipeline) startLocked() {
	ctx, cancel := context.WithCancel(p.ctx)
	done := make(chan struct{})
	disp, senders := p.disp, p.senders
	p.cancel, p.done = cancel, done
	var wg sync.WaitGroup
	for _, sd := range senders {
		wg.Add(1)
		go func() { defer wg.Done(); sd.Run(ctx) }()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := disp.Run(ctx); err != nil && ctx.Err() == nil {
			p.s.log.Error("dispatcher stopped", "err", err)
		}
	}()
	go func() { wg.Wait(); close(done) }()
}

// update swaps in a pipeline for a new configuration.
func (p *pipeline) update(cfg *config.Config) error {
	b, err := p.build(cfg)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cancel != nil {
		p.cancel()
		<-p.done
	}
	p.disp, p.senders, p.root, p.ih = b.disp, b.senders, b.root, b.ih
	if p.ctx != nil {
		p.startLocked()
	}
	return nil
}

// routing returns the current routing tree and inhibitor (nil when there
// are no inhibition rules), for the API.
func (p *pipeline) routing() (*route.Route, *inhibit.Inhibitor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.root, p.ih
}

func (p *pipeline) wake() {
	p.mu.Lock()
	d := p.disp
	p.mu.Unlock()
	if d != nil {
		d.Wake()
	}
}

func (s *Server) wakeDelivery() {
	if s.deliv != nil {
		s.deliv.wake()
	}
}
