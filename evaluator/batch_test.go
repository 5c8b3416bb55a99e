package evaluator

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"
)

const batchRules = `groups:
- name: g
  rules:
  - alert: A
    expr: a
  - alert: B
    query: b
    condition: value > 1
  - alert: B2
    query: b
    condition: value > 2
  - alert: S
    expr: scalar(s)
  - alert: D
    expr: d
`

func setBatchResults(q *fakeQuerier) {
	q.set("a", vec(smp(1, "__name__", "a", "x", "1"), smp(2, "__name__", "a", "x", "2")))
	q.set("b", vec(smp(3, "x", "1"), smp(1.5, "x", "2")))
	q.set("scalar(s)", vec(smp(7)))
	q.set("d", nil)
}

// rulesView is every rule's health and alerts, comparable across managers.
func rulesView(m *Manager) string {
	var out []string
	for _, g := range m.Groups() {
		for _, r := range g.Rules {
			var as []string
			for _, a := range r.Alerts {
				as = append(as, fmt.Sprintf("%s=%v@%s", a.Labels, a.Value, a.State))
			}
			sort.Strings(as)
			out = append(out, fmt.Sprintf("%s %s %q %v", r.Rule.Name(), r.Health, r.LastError, as))
		}
	}
	return strings.Join(out, "\n")
}

func sentCount(q *fakeQuerier) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.calls
	q.calls, q.sent = 0, nil
	return n
}

func TestBatchAsksAGroupInOneQuery(t *testing.T) {
	q := &fakeQuerier{}
	setBatchResults(q)
	reg := prometheus.NewRegistry()
	m := newTestManager(t, q, openStore(t, t.TempDir()), func(o *Options) { o.Registerer = reg })
	startManager(t, m, mustParse(t, batchRules))

	ref := &fakeQuerier{}
	setBatchResults(ref)
	alone := newTestManager(t, ref, openStore(t, t.TempDir()), func(o *Options) { o.NoBatching = true })
	startManager(t, alone, mustParse(t, batchRules))

	for i := range 3 {
		evalGroup(m, "g", t0.Add(time.Duration(i)*time.Minute))
		evalGroup(alone, "g", t0.Add(time.Duration(i)*time.Minute))
		if n := sentCount(q); n != 1 {
			t.Fatalf("evaluation %d: %d queries, want one batch", i, n)
		}
		if n := sentCount(ref); n != 4 {
			t.Fatalf("evaluation %d without batching: %d queries, want 4", i, n)
		}
		if got, want := rulesView(m), rulesView(alone); got != want {
			t.Fatalf("batched:\n%s\nalone:\n%s", got, want)
		}
	}
	if got := testutil.ToFloat64(m.metrics.batches); got != 3 {
		t.Fatalf("alerter_query_batches_total = %v", got)
	}
	// B2 shares B's answer: saved, as without batching; the batched parts'
	// first readers saved nothing.
	if got := testutil.ToFloat64(m.metrics.queriesSaved); got != 3 {
		t.Fatalf("alerter_queries_saved_total = %v", got)
	}
	if s := rulesView(m); !strings.Contains(s, `alertname="S"`) || !strings.Contains(s, `x="1"`) {
		t.Fatalf("alerts: %s", s)
	}
}

func TestBatchFailureFallsBackToOneQueryPerRule(t *testing.T) {
	q := &fakeQuerier{}
	setBatchResults(q)
	q.errs = map[string]error{"b": errors.New("many-to-many matching not allowed")}
	m := newTestManager(t, q, openStore(t, t.TempDir()), nil)
	startManager(t, m, mustParse(t, batchRules))

	evalGroup(m, "g", t0)
	// The batch, then each distinct query alone.
	if n := sentCount(q); n != 1+4 {
		t.Fatalf("%d queries, want the batch and 4 alone", n)
	}
	want := map[string]string{"A": "ok", "B": "err", "B2": "err", "S": "ok", "D": "ok"}
	check := func() {
		t.Helper()
		for _, g := range m.Groups() {
			for _, r := range g.Rules {
				if _, ok := want[r.Rule.Name()]; !ok {
					continue
				}
				if string(r.Health) != want[r.Rule.Name()] {
					t.Fatalf("%s: health %s (%s), want %s", r.Rule.Name(), r.Health, r.LastError, want[r.Rule.Name()])
				}
				if r.Health == HealthErr && !strings.Contains(r.LastError, "many-to-many") {
					t.Fatalf("%s: error %q", r.Rule.Name(), r.LastError)
				}
			}
		}
		if len(alertsOf(m, "A")) != 2 || len(alertsOf(m, "S")) != 1 {
			t.Fatalf("the failing part took others down: %s", rulesView(m))
		}
	}
	check()
	// The failing rule now goes alone; the others are still batched.
	evalGroup(m, "g", t0.Add(time.Minute))
	if n := sentCount(q); n != 2 {
		t.Fatalf("%d queries, want a batch and the failing rule alone", n)
	}
	check()
	// Fixed: it succeeds alone, then rejoins the batch.
	q.mu.Lock()
	q.errs = nil
	q.mu.Unlock()
	want["B"], want["B2"] = "ok", "ok"
	evalGroup(m, "g", t0.Add(2*time.Minute))
	if n := sentCount(q); n != 2 {
		t.Fatalf("%d queries", n)
	}
	check()
	evalGroup(m, "g", t0.Add(3*time.Minute))
	if n := sentCount(q); n != 1 {
		t.Fatalf("%d queries, want one batch again", n)
	}
	check()
	if len(alertsOf(m, "B")) != 2 || len(alertsOf(m, "B2")) != 1 {
		t.Fatalf("alerts: %s", rulesView(m))
	}
}

// limitQuerier fails any batch of more than max parts, as a datasource's
// query timeout or sample limit would.
type limitQuerier struct {
	*fakeQuerier
	max int
}

func (l *limitQuerier) Query(ctx context.Context, query string, ts time.Time, into *Vector) error {
	if parts, _ := batchParts(query); len(parts) > l.max {
		l.fakeQuerier.mu.Lock()
		l.fakeQuerier.calls++
		l.fakeQuerier.mu.Unlock()
		into.Reset()
		return errors.New("query processing would load too many samples into memory")
	}
	return l.fakeQuerier.Query(ctx, query, ts, into)
}

func TestBatchShrinksWhenOnlyTheBatchFails(t *testing.T) {
	var b strings.Builder
	b.WriteString("groups:\n- name: g\n  rules:\n")
	for i := range 20 {
		fmt.Fprintf(&b, "  - alert: R%d\n    expr: m%d\n", i, i)
	}
	q := &limitQuerier{fakeQuerier: &fakeQuerier{}, max: 6}
	for i := range 20 {
		q.set(fmt.Sprintf("m%d", i), vec(smp(1, "i", fmt.Sprint(i))))
	}
	m := newTestManager(t, q, openStore(t, t.TempDir()), nil)
	startManager(t, m, mustParse(t, b.String()))
	evalGroup(m, "g", t0)
	if n := sentCount(q.fakeQuerier); n != 21 {
		t.Fatalf("%d queries, want the batch and 20 alone", n)
	}
	g := m.groups[0]
	if g.batch.max != 10 {
		t.Fatalf("batch size %d after a failed batch of 20, want 10", g.batch.max)
	}
	evalGroup(m, "g", t0.Add(time.Minute))
	evalGroup(m, "g", t0.Add(2*time.Minute))
	sentCount(q.fakeQuerier)
	if g.batch.max != 5 {
		t.Fatalf("batch size %d, want 5", g.batch.max)
	}
	evalGroup(m, "g", t0.Add(3*time.Minute))
	if n := sentCount(q.fakeQuerier); n != 4 {
		t.Fatalf("%d queries, want 4 batches of 5", n)
	}
	for i := range 20 {
		if a := alertsOf(m, fmt.Sprintf("R%d", i)); len(a) != 1 {
			t.Fatalf("R%d: %v", i, a)
		}
	}
}

// badMarkerQuerier answers batches with a series that has no marker.
type badMarkerQuerier struct{ *fakeQuerier }

func (b badMarkerQuerier) Query(ctx context.Context, query string, ts time.Time, into *Vector) error {
	err := b.fakeQuerier.Query(ctx, query, ts, into)
	if parts, _ := batchParts(query); parts != nil && err == nil {
		into.AppendMetric(model.Metric{"stray": "1"}, 1)
	}
	return err
}

func TestBatchAnswerThatDoesNotSplitFallsBack(t *testing.T) {
	q := badMarkerQuerier{&fakeQuerier{}}
	setBatchResults(q.fakeQuerier)
	reg := prometheus.NewRegistry()
	m := newTestManager(t, q, openStore(t, t.TempDir()), func(o *Options) { o.Registerer = reg })
	startManager(t, m, mustParse(t, batchRules))
	ref := &fakeQuerier{}
	setBatchResults(ref)
	alone := newTestManager(t, ref, openStore(t, t.TempDir()), func(o *Options) { o.NoBatching = true })
	startManager(t, alone, mustParse(t, batchRules))
	evalGroup(m, "g", t0)
	evalGroup(alone, "g", t0)
	if got, want := rulesView(m), rulesView(alone); got != want {
		t.Fatalf("batched:\n%s\nalone:\n%s", got, want)
	}
	if got := testutil.ToFloat64(m.metrics.batchFailures); got != 1 {
		t.Fatalf("alerter_query_batch_failures_total = %v", got)
	}
}

// A rule that may read what an earlier recording rule of its group
// records in the same evaluation is not batched with the rules before it.
func TestBatchStopsAtRulesThatWaitForRecords(t *testing.T) {
	set := mustParse(t, `groups:
- name: g
  rules:
  - alert: A
    expr: a
  - record: rec
    expr: sum(a)
  - alert: B
    expr: b
  - alert: R
    expr: rec > 0
  - alert: C
    expr: c
`)
	q := &fakeQuerier{}
	m := newTestManager(t, q, openStore(t, t.TempDir()), func(o *Options) {
		o.Appender = func() Appender { return (&fakeRemote{}).appender() }
	})
	startManager(t, m, set)
	evalGroup(m, "g", t0)
	q.mu.Lock()
	sent := q.sent
	q.mu.Unlock()
	var got [][]string
	for _, s := range sent {
		parts, _ := batchParts(s)
		var qs []string
		for _, p := range parts {
			qs = append(qs, p.query)
		}
		if parts == nil {
			qs = []string{s}
		}
		got = append(got, qs)
	}
	want := [][]string{{"a", "sum(a)", "b"}, {"rec > 0", "c"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("queries %q, want %q", got, want)
	}
}

// Duplicate label sets within one rule's answer are still that rule's
// error, batched or not.
func TestBatchKeepsDuplicateDetectionPerRule(t *testing.T) {
	q := &fakeQuerier{}
	q.set("a", vec(smp(1, "__name__", "a1", "x", "1"), smp(1, "__name__", "a2", "x", "1")))
	q.set("b", vec(smp(1, "x", "1")))
	m := newTestManager(t, q, openStore(t, t.TempDir()), nil)
	startManager(t, m, mustParse(t, "groups:\n- name: g\n  rules:\n  - {alert: A, expr: a}\n  - {alert: B, expr: b}\n"))
	evalGroup(m, "g", t0)
	if n := sentCount(q); n != 1 {
		t.Fatalf("%d queries", n)
	}
	for _, r := range m.Groups()[0].Rules {
		switch r.Rule.Name() {
		case "A":
			if r.Health != HealthErr || !strings.Contains(r.LastError, "same labelset") {
				t.Fatalf("A: %s %q", r.Health, r.LastError)
			}
		case "B":
			if r.Health != HealthOK || len(r.Alerts) != 1 {
				t.Fatalf("B: %s %q %v", r.Health, r.LastError, r.Alerts)
			}
		}
	}
}

// FuzzBatchSplit checks that splitting a batched answer either fails or
// hands each part exactly its series, without the marker, in order.
func FuzzBatchSplit(f *testing.F) {
	f.Add(3, "0,a=1;1,a=2;0,b=3;2,")
	f.Add(2, "0,a=1;x,a=2")
	f.Add(1, "00,a=1")
	f.Add(2, "1,__alerter_rule=0")
	f.Fuzz(func(t *testing.T, nParts int, answer string) {
		if nParts < 1 || nParts > 8 {
			return
		}
		parts := make([]*batchPart, nParts)
		vecs := map[string]*Vector{}
		for i := range parts {
			parts[i] = &batchPart{key: fmt.Sprint(i)}
			vecs[fmt.Sprint(i)] = &Vector{}
		}
		var b batcher
		type want struct {
			part   int
			labels string
		}
		var wants []want
		valid := true
		for i, s := range strings.Split(answer, ";") {
			marker, rest, _ := strings.Cut(s, ",")
			ls := model.Metric{batchLabel: model.LabelValue(marker)}
			for _, kv := range strings.Split(rest, ",") {
				if k, v, ok := strings.Cut(kv, "="); ok && model.LabelName(k).IsValid() && k != batchLabel && v != "" {
					ls[model.LabelName(k)] = model.LabelValue(v)
				}
			}
			b.vec.AppendMetric(ls, float64(i))
			n, err := strconv.Atoi(marker)
			if err != nil || n < 0 || n >= nParts || strconv.Itoa(n) != marker {
				valid = false
				continue
			}
			delete(ls, batchLabel)
			wants = append(wants, want{n, ls.String()})
		}
		err := b.split(parts, func(k string) *Vector { return vecs[k] })
		if !valid {
			if err == nil {
				t.Fatalf("%q split into %d parts without error", answer, nParts)
			}
			for _, v := range vecs {
				if len(v.Samples) != 0 {
					t.Fatal("a failed split left series in a part")
				}
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", answer, err)
		}
		got := map[int][]string{}
		for i := range parts {
			for _, s := range vecs[fmt.Sprint(i)].Samples {
				m := model.Metric{}
				for _, l := range s.Labels {
					if l.Name == batchLabel {
						t.Fatal("marker left in a part")
					}
					m[model.LabelName(l.Name)] = model.LabelValue(l.Value)
				}
				got[i] = append(got[i], m.String())
			}
		}
		exp := map[int][]string{}
		for _, w := range wants {
			exp[w.part] = append(exp[w.part], w.labels)
		}
		if !reflect.DeepEqual(got, exp) && !(len(got) == 0 && len(exp) == 0) {
			t.Fatalf("%q: split %v, want %v", answer, got, exp)
		}
	})
}
