package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/assemble"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/notifiers/route"
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
	parts     *assemble.Parts
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
	parts, err := assemble.Build(cfg, assemble.Options{
		Logger:       s.log,
		UserAgent:    "alerter/" + s.opts.Version,
		SlackActions: cfg.Web.SlackInteractions.SigningSecretFile != "",
	})
	if err != nil {
		return nil, err
	}
	return &built{cfg: cfg, parts: parts, receivers: parts.Receivers, root: parts.Route, ih: parts.Inhibitor}, nil
}

// deliverers makes the dispatcher and the senders of b, writing through
// the term's store.
func (p *pipeline) deliverers(b *built, ts termStore, epoch int64) (*notifiers.Dispatcher, []*notifiers.Sender, error) {
	s, cfg := p.s, b.cfg
	var senders []*notifiers.Sender
	dopts := b.parts.DispatcherOptions(cfg)
	dopts.Muter = s.silences
	dopts.Acks = s.acks
	dopts.Events = ts
	dopts.Sets = s.mgr // the leader evaluates in this process: share its label maps
	dopts.Store = ts
	dopts.Consume = ts.MarkDelivered
	dopts.Logger = s.log.With("component", "dispatcher")
	dopts.Registerer = s.reg
	dopts.Evaluations = evalProgress{s}
	dopts.Quality = s.quality
	dopts.OnQueued = func() {
		for _, sd := range senders {
			sd.Wake()
		}
	}
	disp, err := notifiers.NewDispatcher(dopts)
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
				Parallel:    cfg.Delivery.ParallelGroups,
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

// update builds the pipeline of a new configuration and swaps it in.
func (p *pipeline) update(cfg *config.Config) error {
	b, err := p.build(cfg)
	if err != nil {
		return err
	}
	p.swap(b)
	return nil
}

// swap puts b in effect; while leading, the dispatcher and the senders
// restart with it. The outbox and the notification log carry over in the
// store. Building b checked everything a configuration can get wrong, so
// the restart fails only if the deliverers cannot be made at all; then
// the previous configuration's are started again.
func (p *pipeline) swap(b *built) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx == nil {
		p.cur = b
		return
	}
	p.cancel()
	<-p.done
	prev := p.cur
	p.cur = b
	if err := p.startLocked(); err != nil {
		p.s.log.Error("starting delivery with the new configuration failed; keeping the previous one", "err", err)
		p.cur = prev
		if err2 := p.startLocked(); err2 != nil {
			p.s.log.Error("restarting delivery with the previous configuration failed", "err", err2)
		}
	}
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
