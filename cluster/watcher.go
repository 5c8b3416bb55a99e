package cluster

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/alerter/alerter/internal/condlog"
)

// ChangeSource tells of the changes replicas commit to a shared store: a
// version per topic that grows with every change, and notifications as
// they are committed (state/postgres implements it).
type ChangeSource interface {
	ChangeVersions(ctx context.Context) (map[string]int64, error)
	// ListenChanges calls fn with each change's topic until ctx ends, and
	// with "" each time it (re)starts listening.
	ListenChanges(ctx context.Context, fn func(topic string)) error
}

// WatcherOptions configure a Watcher.
type WatcherOptions struct {
	Source ChangeSource
	// Topics are those OnChange is told of; "" from the source (listening
	// again after changes may have been missed) means all of them.
	Topics []string
	// OnChange reloads what topic names. Calls are serial, and a burst of
	// changes to one topic gives one call.
	OnChange func(ctx context.Context, topic string)
	// Poll is how often versions are compared, in case a notification was
	// lost (1s).
	Poll   time.Duration
	Logger *slog.Logger
}

// Watcher keeps a replica's caches (silences, acknowledgements, windows,
// the stored alerts, the leader's identity) in step with what other
// replicas write: at once through notifications, and within Poll through
// the versions when notifications are lost.
type Watcher struct {
	o    WatcherOptions
	log  *slog.Logger
	cond condlog.Condition

	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{}
}

// NewWatcher builds a Watcher; Run runs it.
func NewWatcher(o WatcherOptions) *Watcher {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Watcher{o: o, log: o.Logger.With("component", "watcher"), pending: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// changed records that topic changed ("": all of them) and wakes the
// dispatching loop.
func (w *Watcher) changed(topic string) {
	w.mu.Lock()
	if topic == "" {
		for _, t := range w.o.Topics {
			w.pending[t] = true
		}
	} else if slices.Contains(w.o.Topics, topic) {
		w.pending[topic] = true
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run watches until ctx ends. Everything is reloaded once at the start,
// since changes may have been made between the replica's first load and
// the watch.
func (w *Watcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.o.Source.ListenChanges(ctx, w.changed) })
	wg.Go(func() { w.poll(ctx) })
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-w.wake:
		}
		w.mu.Lock()
		var topics []string
		for _, t := range w.o.Topics {
			if w.pending[t] {
				topics = append(topics, t)
			}
		}
		clear(w.pending)
		w.mu.Unlock()
		for _, t := range topics {
			w.o.OnChange(ctx, t)
		}
	}
}

// poll compares the versions every Poll and reports the topics that moved.
func (w *Watcher) poll(ctx context.Context) {
	var last map[string]int64
	t := time.NewTicker(w.o.Poll)
	defer t.Stop()
	for {
		vs, err := w.o.Source.ChangeVersions(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				w.cond.Fail(w.log, slog.LevelWarn, "reading other replicas' changes failed; serving what this replica holds", "err", err)
			}
		case last == nil:
			w.cond.OK(w.log, "reading other replicas' changes works again")
			last = vs
			w.changed("")
		default:
			w.cond.OK(w.log, "reading other replicas' changes works again")
			for topic, v := range vs {
				if last[topic] != v {
					w.changed(topic)
				}
			}
			last = vs
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
