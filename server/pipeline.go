package server

import (
	"context"
	"sync"
	"time"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/assemble"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/notifiers/route"
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
	parts, err := assemble.Build(cfg, assemble.Options{
		Logger:       s.log,
		UserAgent:    "alerter/" + s.opts.Version,
		SlackActions: cfg.Web.SlackInteractions.SigningSecretFile != "",
	})
	if err != nil {
		return nil, err
	}
	b := &built{root: parts.Route, ih: parts.Inhibitor}
	dopts := parts.DispatcherOptions(cfg)
	dopts.Muter = s.silences
	dopts.Acks = s.acks
	dopts.Events = s.store
	dopts.Store = s.store
	dopts.Consume = s.store.MarkDelivered
	dopts.Logger = s.log.With("component", "dispatcher")
	dopts.Registerer = s.reg
	dopts.OnQueued = func() {
		for _, sd := range b.senders {
			sd.Wake()
		}
	}
	disp, err := notifiers.NewDispatcher(dopts)
	if err != nil {
		return nil, err
	}
	b.disp = disp
	for name, ints := range parts.Receivers {
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
	p.swap(b)
	return nil
}

// swap stops the running pipeline and starts b, which cannot fail: the
// outbox and the notification log carry over in the store.
func (p *pipeline) swap(b *built) {
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
