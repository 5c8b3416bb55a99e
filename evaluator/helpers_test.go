package evaluator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/sqlite"
)

// fakeQuerier answers queries from a table the test sets; unit tests only.
// It answers a batch of queries (see batch.go) by answering each part from
// the table, and fails the batch when any part fails, as Prometheus does.
type fakeQuerier struct {
	mu      sync.Mutex
	results map[string]model.Vector
	errs    map[string]error // per query
	err     error
	calls   int
	sent    []string
	block   chan struct{}
	lastTS  time.Time
}

func (q *fakeQuerier) Query(ctx context.Context, query string, ts time.Time, into *Vector) error {
	into.Reset()
	q.mu.Lock()
	q.calls++
	q.sent = append(q.sent, query)
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
	parts, err := batchParts(query)
	if err != nil {
		return err
	}
	if parts == nil {
		parts = []fakePart{{query: query}}
	}
	for _, p := range parts {
		if err := q.errs[p.query]; err != nil {
			into.Reset()
			return err
		}
		res := q.results[p.query]
		if p.scalar && len(res) == 0 {
			res = vec(smp(0))
		}
		for _, s := range res {
			m := s.Metric.Clone()
			if p.marker != "" {
				m[batchLabel] = model.LabelValue(p.marker)
			}
			into.AppendMetric(m, float64(s.Value))
		}
	}
	return nil
}

// fakePart is one part of a batched query.
type fakePart struct {
	query, marker string
	scalar        bool
}

// batchParts decomposes a batched query into its parts; nil for a query
// that is not a batch.
func batchParts(query string) ([]fakePart, error) {
	if !strings.HasPrefix(strings.TrimLeft(query, "("), "label_replace(") {
		return nil, nil
	}
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(query)
	if err != nil {
		return nil, fmt.Errorf("batch does not parse: %w", err)
	}
	var parts []fakePart
	var walk func(e parser.Expr) error
	walk = func(e parser.Expr) error {
		switch e := e.(type) {
		case *parser.ParenExpr:
			return walk(e.Expr)
		case *parser.BinaryExpr:
			if e.Op != parser.LOR {
				return fmt.Errorf("batch: unexpected %s", e.Op)
			}
			if err := walk(e.LHS); err != nil {
				return err
			}
			return walk(e.RHS)
		case *parser.Call:
			if e.Func.Name != "label_replace" || len(e.Args) != 5 {
				return fmt.Errorf("batch: unexpected call %s", e.Func.Name)
			}
			p := fakePart{marker: e.Args[2].(*parser.StringLiteral).Val}
			inner := e.Args[0]
			if c, ok := inner.(*parser.Call); ok && c.Func.Name == "vector" {
				p.scalar, inner = true, c
			}
			r := inner.PositionRange()
			text := query[r.Start:r.End]
			text = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(text, "vector"), "("), "\n)")
			p.query = text
			parts = append(parts, p)
			return nil
		}
		return fmt.Errorf("batch: unexpected %T", e)
	}
	return parts, walk(expr)
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

func openStore(t testing.TB, dir string) *flakyStore {
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

func newTestManager(t testing.TB, q Querier, st state.Store, mod func(*Options)) *Manager {
	t.Helper()
	// The fake querier answers queries as written, not pushed down.
	o := Options{Querier: q, Store: st, DefaultInterval: time.Hour, DatasourceName: "prom", NoPushdown: true}
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
func startManager(t testing.TB, m *Manager, set *rules.Set) {
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
