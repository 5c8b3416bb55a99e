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
	"github.com/alerter/alerter/state"
)

// pipeline is the notification side: the routing tree, the inhibitor and
// the receivers' integrations of the current configuration, which every
// replica uses (the API shows routes and inhibitions), and, while this
// replica leads, one dispatcher and one sender per integration writing
// through the leadership term's store. A reload builds a new pipeline and
// swaps it in; the outbox and the notification log carry over.
type pipeline struct {
	s *Server

	mu  sync.Mutex
	cur *built
	// The leader's part: set while a term runs.
	ctx     context.Context
	term    termStore
	epoch   int64
	disp    *notifiers.Dispatcher
	senders []*notifiers.Sender
	cancel  context.CancelFunc
	done    chan struct{}
}

// built is what a configuration makes of the notification side.
type built struct {
	cfg       *config.Config
	receivers map[string][]notifiers.ReceiverIntegration
	root      *route.Route
	ih        *inhibit.Inhibitor
}

func newPipeline(s *Server, cfg *config.Config) (*pipeline, error) {
	p := &pipeline{s: s}
	b, err := p.build(cfg)
	if err != nil {
		return nil, err
	}
	p.cur = b
	return p, nil
}

// build makes the integrations of every receiver, the routing tree and the
// inhibitor for cfg.
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
	return &built{cfg: cfg, receivers: receivers, root: root, ih: ih}, nil
}

// deliverers makes the dispatcher and the senders of b, writing through
// the term's store.
func (p *pipeline) deliverers(b *built, ts termStore, epoch int64) (*notifiers.Dispatcher, []*notifiers.Sender, error) {
	s, cfg := p.s, b.cfg
	var senders []*notifiers.Sender
	disp, err := notifiers.NewDispatcher(notifiers.DispatcherOptions{
		Route:       b.root,
		Receivers:   b.receivers,
		Inhibitor:   b.ih,
		Muter:       s.silences,
		Acks:        s.acks,
		Escalations: cfg.Policies(),
		Events:      ts,
		Store:       ts,
		Consume:     ts.MarkDelivered,
		Logger:      s.log.With("component", "dispatcher"),
		Registerer:  s.reg,
		ExternalURL: cfg.Global.ExternalURL,
		Storm:       notifiers.StormOptions{MaxAlerts: cfg.StormControl.MaxAlerts, Window: time.Duration(cfg.StormControl.Window)},
		MaxOutbox:   cfg.Delivery.MaxOutbox,
		OnQueued: func() {
			for _, sd := range senders {
				sd.Wake()
			}
		},
	})
	if err != nil {
		return nil, nil, err
	}
	claim := func(ctx context.Context, n *state.Notification) error {
		if err := ts.ClaimNotification(ctx, n); err != nil {
			return err
		}
		// Right before the request: the term is still this replica's by
		// its own clock (a leader paused past its lease stops here).
		if !s.elector.Valid(epoch) {
			return fmt.Errorf("leadership term %d is over by this replica's clock: %w", epoch, state.ErrFenced)
		}
		return nil
	}
	for name, ints := range b.receivers {
		for _, in := range ints {
			sd, err := notifiers.NewSender(notifiers.SenderOptions{
				Receiver:    name,
				Integration: in,
				Store:       ts,
				Logger:      s.log,
				Registerer:  s.reg,
				MaxAge:      time.Duration(cfg.Delivery.MaxAge),
				Claim:       claim,
			})
			if err != nil {
				return nil, nil, err
			}
			senders = append(senders, sd)
		}
	}
	return disp, senders, nil
}

// run delivers for one leadership term until ctx ends, then waits for the
// dispatcher and the senders to stop.
func (p *pipeline) run(ctx context.Context, ts termStore, epoch int64) error {
	p.mu.Lock()
	p.ctx, p.term, p.epoch = ctx, ts, epoch
	err := p.startLocked()
	if err != nil {
		p.ctx, p.term = nil, nil
	}
	p.mu.Unlock()
	if err != nil {
		return err
	}
	<-ctx.Done()
	p.mu.Lock()
	done := p.done
	p.ctx, p.term, p.disp, p.senders = nil, nil, nil, nil
	p.mu.Unlock()
	if done != nil {
		<-done
	}
	return nil
}

func (p *pipeline) startLocked() error {
	disp, senders, err := p.deliverers(p.cur, p.term, p.epoch)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(p.ctx)
	done := make(chan struct{})
	p.disp, p.senders, p.cancel, p.done = disp, senders, cancel, done
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
	return nil
}

// update swaps in a pipeline for a new configuration; while leading, the
// dispatcher and the senders restart with it.
func (p *pipeline) update(cfg *config.Config) error {
	b, err := p.build(cfg)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx == nil {
		p.cur = b
		return nil
	}
	p.cancel()
	<-p.done
	prev := p.cur
	p.cur = b
	if err := p.startLocked(); err != nil {
		p.cur = prev
		if err2 := p.startLocked(); err2 != nil {
			p.s.log.Error("restarting delivery with the previous configuration failed", "err", err2)
		}
		return err
	}
	return nil
}

// routing returns the current routing tree and inhibitor (nil when there
// are no inhibition rules), for the API.
func (p *pipeline) routing() (*route.Route, *inhibit.Inhibitor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur.root, p.cur.ih
}

// dispatcher returns the running dispatcher, nil when not leading.
func (p *pipeline) dispatcher() *notifiers.Dispatcher {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.disp
}

func (p *pipeline) wake() {
	if d := p.dispatcher(); d != nil {
		d.Wake()
	}
}

func (s *Server) wakeDelivery() {
	if s.deliv != nil {
		s.deliv.wake()
	}
}
