package evaluator

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/sqlite"
)

// fakeQuerier answers queries from a table the test sets; unit tests only.
type fakeQuerier struct {
	mu      sync.Mutex
	results map[string]model.Vector
	err     error
	calls   int
	block   chan struct{}
	lastTS  time.Time
}

func (q *fakeQuerier) Query(ctx context.Context, query string, ts time.Time, into *Vector) error {
	into.Reset()
	q.mu.Lock()
	q.calls++
	q.lastTS = ts
	block := q.block
	q.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	for _, s := range q.results[query] {
		into.AppendMetric(s.Metric, float64(s.Value))
	}
	return nil
}

func (q *fakeQuerier) set(query string, v model.Vector) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.results == nil {
		q.results = map[string]model.Vector{}
	}
	q.results[query] = v
}

func (q *fakeQuerier) fail(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.err = err
}

type unavailableErr struct{}

func (unavailableErr) Error() string     { return "connection refused" }
func (unavailableErr) Unavailable() bool { return true }

// flakyStore fails Commit while failing is set.
type flakyStore struct {
	*sqlite.Store
	mu      sync.Mutex
	failing bool
}

func (s *flakyStore) Commit(ctx context.Context, b *state.Batch) error {
	s.mu.Lock()
	f := s.failing
	s.mu.Unlock()
	if f {
		return errors.New("disk full")
	}
	return s.Store.Commit(ctx, b)
}

func openStore(t *testing.T, dir string) *flakyStore {
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &flakyStore{Store: st}
}

func mustParse(t testing.TB, text string) *rules.Set {
	t.Helper()
	groups, _, err := rules.Parse("rules.yml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return &rules.Set{Files: []string{"rules.yml"}, Groups: groups}
}

func vec(samples ...*model.Sample) model.Vector { return model.Vector(samples) }

// toVector converts a model.Vector into the evaluator's own.
func toVector(mv model.Vector) *Vector {
	v := &Vector{}
	for _, s := range mv {
		v.AppendMetric(s.Metric, float64(s.Value))
	}
	return v
}

func smp(v float64, kv ...string) *model.Sample {
	m := model.Metric{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[model.LabelName(kv[i])] = model.LabelValue(kv[i+1])
	}
	return &model.Sample{Metric: m, Value: model.SampleValue(v)}
}

func newTestManager(t *testing.T, q Querier, st state.Store, mod func(*Options)) *Manager {
	t.Helper()
	o := Options{Querier: q, Store: st, DefaultInterval: time.Hour, DatasourceName: "prom"}
	if mod != nil {
		mod(&o)
	}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// startManager starts m with loops that will not fire during the test (1h
// intervals); tests drive evaluations with evalGroup.
func startManager(t *testing.T, m *Manager, set *rules.Set) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { m.Stop(); cancel() })
	if err := m.Start(ctx, set); err != nil {
		t.Fatal(err)
	}
}

func evalGroup(m *Manager, name string, ts time.Time) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, g := range m.allGroups() {
		if g.g.Name == name {
			g.Eval(context.Background(), ts)
		}
	}
}

func alertsOf(m *Manager, name string) []*alert.Alert {
	var out []*alert.Alert
	for _, a := range m.Alerts() {
		if string(a.Labels["alertname"]) == name {
			out = append(out, a)
		}
	}
	return out
}

func pendingEvents(t *testing.T, st state.Store) []*alert.Event {
	t.Helper()
	evs, err := st.PendingEvents(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
