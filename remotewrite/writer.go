package remotewrite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
)

// Options configure a Writer.
type Options struct {
	// Configs are the endpoints, validated; none gives a Writer that
	// drops everything.
	Configs []*Config
	Logger  *slog.Logger
	// Registerer receives the alerter_remote_write_* metrics; nil
	// registers nothing.
	Registerer prometheus.Registerer
	// UserAgent is sent with every request.
	UserAgent string
}

// Writer sends samples to every configured endpoint, each through its own
// queue.
type Writer struct {
	queues []*queue
}

// New builds the queues and their HTTP clients. Nothing is sent until Run.
func New(opts Options) (*Writer, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "alerter"
	}
	m := newMetrics(opts.Registerer)
	w := &Writer{}
	names := map[string]bool{}
	for i, c := range opts.Configs {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("remote_write[%d]: %w", i, err)
		}
		cfg := c.withDefaults()
		name := cfg.RemoteName()
		if names[name] {
			return nil, fmt.Errorf("remote_write[%d]: name %q is used twice", i, name)
		}
		names[name] = true
		cl, err := newClient(cfg, opts.UserAgent)
		if err != nil {
			return nil, fmt.Errorf("remote_write[%d]: %w", i, err)
		}
		rl := make([]*relabel.Config, len(cfg.WriteRelabelConfigs))
		for j, r := range cfg.WriteRelabelConfigs {
			rl[j] = r.Relabel()
		}
		log := opts.Logger.With("remote_name", name, "url", cfg.URL.Redacted())
		w.queues = append(w.queues, newQueue(name, cfg.QueueConfig, rl, cl, log, m.forQueue(name, cfg.URL.Redacted())))
	}
	return w, nil
}

// Enabled reports whether any endpoint is configured.
func (w *Writer) Enabled() bool { return w != nil && len(w.queues) > 0 }

// Run sends until ctx ends. Samples still queued then are lost: the queue
// lives in memory.
func (w *Writer) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, q := range w.queues {
		wg.Add(1)
		go func() { defer wg.Done(); q.run(ctx) }()
	}
	wg.Wait()
}

// Appender collects samples and queues them on Commit. It is not safe for
// concurrent use; take one per evaluation.
func (w *Writer) Appender() *Appender { return &Appender{w: w} }

// Appender collects the samples of one evaluation.
type Appender struct {
	w       *Writer
	samples []Sample
}

// Append adds a sample: labels with __name__, a timestamp in
// milliseconds, a value.
func (a *Appender) Append(ls labels.Labels, t int64, v float64) {
	a.samples = append(a.samples, Sample{Labels: ls, T: t, V: v})
}

// Commit queues the samples appended since the last Commit on every
// endpoint, never waiting for the network. With wait, it then waits until
// they are written everywhere, and returns an error naming an endpoint that
// refused or dropped some of them, or ctx's error if that takes too long
// (they stay queued and are still sent).
func (a *Appender) Commit(ctx context.Context, wait bool) error {
	if a.w == nil || len(a.samples) == 0 {
		return nil
	}
	type span struct{ from, to uint64 }
	spans := make([]span, len(a.w.queues))
	now := time.Now()
	for i, q := range a.w.queues {
		spans[i].from, spans[i].to = q.enqueue(a.samples, now)
	}
	clear(a.samples)
	a.samples = a.samples[:0]
	if !wait {
		return nil
	}
	var errs []error
	for i, q := range a.w.queues {
		if err := q.wait(ctx, spans[i].from, spans[i].to); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
