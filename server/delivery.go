package server

import (
	"context"
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/webhook"
)

// delivery runs the deliverer of the configured receiver and rebuilds it
// when a reload changes the receivers. Each generation registers its
// metrics in its own registry, gathered together with the main one.
type delivery struct {
	s *Server

	mu     sync.Mutex
	cur    *notifiers.Deliverer
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan struct{}
	ctx    context.Context
}

func newDelivery(s *Server, cfg *config.Config) (*delivery, error) {
	d := &delivery{s: s}
	dl, reg, err := d.build(cfg)
	if err != nil {
		return nil, err
	}
	d.cur, d.reg = dl, reg
	return d, nil
}

// build makes a deliverer for the route's receiver. Without receivers,
// events are consumed by a discarding integration so the outbox does not
// grow; alerts are then visible in the API only.
func (d *delivery) build(cfg *config.Config) (*notifiers.Deliverer, *prometheus.Registry, error) {
	var ints []notifiers.Integration
	name := cfg.Route.Receiver
	for _, r := range cfg.Receivers {
		if r.Name != name {
			continue
		}
		for i, wc := range r.WebhookConfigs {
			n, err := webhook.New(webhook.Options{
				Config:      wc,
				Receiver:    r.Name,
				ExternalURL: cfg.Global.ExternalURL,
				Logger:      d.s.log,
				UserAgent:   "alerter/" + d.s.opts.Version,
			})
			if err != nil {
				return nil, nil, fmt.Errorf("receiver %q webhook_configs[%d]: %w", r.Name, i, err)
			}
			ints = append(ints, n)
		}
	}
	if len(ints) == 0 {
		name = "none"
		ints = append(ints, discard{})
	}
	reg := prometheus.NewRegistry()
	dl, err := notifiers.NewDeliverer(notifiers.DelivererOptions{
		Outbox:       d.s.store,
		Receiver:     name,
		Integrations: ints,
		Logger:       d.s.log,
		Registerer:   reg,
	})
	if err != nil {
		return nil, nil, err
	}
	return dl, reg, nil
}

// run runs the current deliverer until ctx ends.
func (d *delivery) run(ctx context.Context) {
	d.mu.Lock()
	d.ctx = ctx
	d.startLocked()
	d.mu.Unlock()
	<-ctx.Done()
	d.mu.Lock()
	done := d.done
	d.mu.Unlock()
	<-done
}

func (d *delivery) startLocked() {
	ctx, cancel := context.WithCancel(d.ctx)
	done := make(chan struct{})
	dl := d.cur
	d.cancel, d.done = cancel, done
	go func() {
		defer close(done)
		dl.Run(ctx)
	}()
}

// update swaps in a deliverer for a new configuration. The old one stops
// after its current pass; the outbox carries over.
func (d *delivery) update(cfg *config.Config) error {
	dl, reg, err := d.build(cfg)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cancel != nil {
		d.cancel()
		<-d.done
	}
	d.cur, d.reg = dl, reg
	if d.ctx != nil {
		d.startLocked()
	}
	return nil
}

func (d *delivery) wake() {
	d.mu.Lock()
	dl := d.cur
	d.mu.Unlock()
	if dl != nil {
		dl.Wake()
	}
}

// Gather implements prometheus.Gatherer for the current generation.
func (d *delivery) Gather() ([]*dto.MetricFamily, error) {
	d.mu.Lock()
	reg := d.reg
	d.mu.Unlock()
	return reg.Gather()
}

func (s *Server) wakeDelivery() {
	if s.deliv != nil {
		s.deliv.wake()
	}
}

// discard is the integration used when no receiver is configured.
type discard struct{}

func (discard) Notify(context.Context, *notifiers.Message) (bool, error) { return false, nil }
func (discard) Name() string                                             { return "discard" }
