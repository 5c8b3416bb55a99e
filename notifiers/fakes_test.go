package notifiers_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/state"
)

// state.Store is what alerter passes as the Outbox.
var _ notifiers.Outbox = state.Store(nil)

// fakeOutbox is an in-memory Outbox.
type fakeOutbox struct {
	mu        sync.Mutex
	events    []*alert.Event // by ID
	delivered map[int64]time.Time
	nextID    int64
	// failMarks makes that many MarkDelivered calls fail.
	failMarks int
	changed   chan struct{}
}

func newFakeOutbox() *fakeOutbox {
	return &fakeOutbox{delivered: map[int64]time.Time{}, changed: make(chan struct{}, 1)}
}

// add records events as the evaluator's Commit does, assigning IDs.
func (o *fakeOutbox) add(events ...*alert.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range events {
		o.nextID++
		e.ID = o.nextID
		o.events = append(o.events, e)
	}
}

func (o *fakeOutbox) PendingEvents(ctx context.Context, limit int) ([]*alert.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*alert.Event
	for _, e := range o.events {
		if _, ok := o.delivered[e.ID]; !ok && len(out) < limit {
			c := *e
			out = append(out, &c)
		}
	}
	return out, nil
}

func (o *fakeOutbox) MarkDelivered(ctx context.Context, ids []int64, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failMarks > 0 {
		o.failMarks--
		return errors.New("database is locked")
	}
	for _, id := range ids {
		if _, ok := o.delivered[id]; ok {
			panic("event marked twice")
		}
		o.delivered[id] = at
	}
	select {
	case o.changed <- struct{}{}:
	default:
	}
	return nil
}

func (o *fakeOutbox) OutboxDepth(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.events) - len(o.delivered), nil
}

func (o *fakeOutbox) depth() int {
	n, _ := o.OutboxDepth(context.Background())
	return n
}

func (o *fakeOutbox) deliveredAt(id int64) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	at, ok := o.delivered[id]
	return at, ok
}

// waitDrained waits until every event is delivered.
func (o *fakeOutbox) waitDrained(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for o.depth() > 0 {
		select {
		case <-o.changed:
		case <-deadline:
			t.Fatalf("outbox still holds %d events after %s", o.depth(), timeout)
		}
	}
}

// call is one Notify call seen by a fakeIntegration.
type call struct {
	at     time.Time
	key    string
	ids    []int64
	failed bool
}

// fakeIntegration records calls; fail decides the outcome of each.
type fakeIntegration struct {
	name  string
	fail  func(n int, m *notifiers.Message) (retry bool, err error)
	block bool // Notify waits for ctx to end

	mu    sync.Mutex
	calls []call
}

func (f *fakeIntegration) Name() string { return f.name }

func (f *fakeIntegration) Notify(ctx context.Context, m *notifiers.Message) (bool, error) {
	if f.block {
		<-ctx.Done()
		return true, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := call{at: time.Now(), key: m.GroupKey}
	for _, e := range m.Events {
		c.ids = append(c.ids, e.ID)
	}
	var retry bool
	var err error
	if f.fail != nil {
		retry, err = f.fail(len(f.calls), m)
	}
	c.failed = err != nil
	f.calls = append(f.calls, c)
	return retry, err
}

func (f *fakeIntegration) got() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// succeeded returns the IDs of events sent successfully, per group key,
// in the order they were sent.
func (f *fakeIntegration) succeeded() map[string][]int64 {
	out := map[string][]int64{}
	for _, c := range f.got() {
		if !c.failed {
			out[c.key] = append(out[c.key], c.ids...)
		}
	}
	return out
}

// lockedBuffer is a log sink safe for concurrent writes and reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// event returns an event of the alert with the given alertname and
// instance label.
func event(kind alert.EventKind, alertname, instance string) *alert.Event {
	labels := model.LabelSet{"alertname": model.LabelValue(alertname), "instance": model.LabelValue(instance)}
	e := &alert.Event{
		Kind: kind,
		At:   t0,
		Alert: alert.Alert{
			Key:      alert.Key{RuleID: alertname, ID: labels.Fingerprint()},
			Labels:   labels,
			State:    alert.StateFiring,
			ActiveAt: t0,
			FiredAt:  t0,
		},
	}
	if kind == alert.EventResolved {
		e.Alert.State = alert.StateInactive
		e.Alert.ResolvedAt = t0
	}
	return e
}

// metricValue returns the value of the series of name with labels, and
// whether it exists.
func metricValue(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue series
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}
