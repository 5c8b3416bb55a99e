package evaluator

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// cannedQuerier answers each query text with the answer fakeQuerier gave
// it the first time, copied into the caller's Vector: what a datasource
// client costs past the network, without decoding.
type cannedQuerier struct {
	*fakeQuerier
	mu    sync.Mutex
	cache map[string]*Vector
}

func (c *cannedQuerier) Query(ctx context.Context, query string, ts time.Time, into *Vector) error {
	c.mu.Lock()
	v, ok := c.cache[query]
	c.mu.Unlock()
	if !ok {
		v = &Vector{}
		if err := c.fakeQuerier.Query(ctx, query, ts, v); err != nil {
			return err
		}
		c.mu.Lock()
		c.cache[query] = v
		c.mu.Unlock()
	}
	into.Reset()
	for _, s := range v.Samples {
		into.Append(s.Labels, s.Value)
	}
	return nil
}

// BenchmarkGroupEval is one evaluation of a group of 100 rules of one
// series each, as the load harness's 10,000 x 1 case has them (query,
// condition `value > 0.99`, a templated annotation, one in a hundred
// series above the threshold and pending), past the datasource: the
// evaluator's own CPU per rule evaluation, with the group's queries
// batched or sent one per rule, and the state store's commit.
func BenchmarkGroupEval(b *testing.B) {
	var rules strings.Builder
	rules.WriteString("groups:\n- name: g\n  rules:\n")
	q := &cannedQuerier{fakeQuerier: &fakeQuerier{}, cache: map[string]*Vector{}}
	for i := range 100 {
		fmt.Fprintf(&rules, "  - alert: R%03d\n    query: m{idx=\"%d\"}\n    condition: value > 0.99\n    for: 1h\n"+
			"    labels: {severity: warning}\n    annotations: {summary: 'm {{ $labels.idx }} is at {{ $value }}'}\n", i, i)
		q.set(fmt.Sprintf(`m{idx="%d"}`, i), vec(smp(float64(i%100)/99.5, "__name__", "m", "idx", fmt.Sprint(i), "job", "bench", "instance", "host:9100")))
	}
	for _, batched := range []bool{true, false} {
		b.Run(fmt.Sprintf("batched=%v", batched), func(b *testing.B) {
			m := newTestManager(b, q, openStore(b, b.TempDir()), func(o *Options) { o.NoBatching = !batched })
			startManager(b, m, mustParse(b, rules.String()))
			g := m.groups[0]
			ts := t0
			g.Eval(context.Background(), ts) // the alert goes pending
			b.ResetTimer()
			for b.Loop() {
				ts = ts.Add(time.Minute)
				g.Eval(context.Background(), ts)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/rule")
		})
	}
}

// BenchmarkStormEval is the load harness's storm past the datasource: one
// evaluation in which n series of one rule (`for: 0`, a templated
// annotation) cross the threshold together, from the query's answer to
// the commit of the new alerts, their events and their episode rows.
func BenchmarkStormEval(b *testing.B) {
	const n = 100_000
	q := &cannedQuerier{fakeQuerier: &fakeQuerier{}, cache: map[string]*Vector{}}
	var samples model.Vector
	for i := range n {
		samples = append(samples, smp(1, "__name__", "bench_storm", "idx", fmt.Sprint(i), "shard", fmt.Sprint(i%100),
			"job", "bench", "instance", "host:9100"))
	}
	q.set("bench_storm > 0.5", samples)
	set := mustParse(b, "groups:\n- name: storm\n  rules:\n  - alert: Storm\n    expr: bench_storm > 0.5\n"+
		"    labels: {severity: warning}\n    annotations: {summary: 'series {{ $labels.idx }} at {{ $value }}'}\n")
	for b.Loop() {
		b.StopTimer()
		m := newTestManager(b, q, openStore(b, b.TempDir()), nil)
		startManager(b, m, set)
		g := m.groups[0]
		b.StartTimer()
		g.Eval(context.Background(), t0)
		b.StopTimer()
		if got := len(m.Alerts()); got != n {
			b.Fatalf("%d alerts after the storm, want %d", got, n)
		}
		m.Stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/alert")
}
