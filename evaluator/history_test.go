package evaluator

import (
	"context"
	"testing"
	"time"
)

func TestEvalRing(t *testing.T) {
	at := func(i int) time.Time { return time.Unix(int64(i), 0) }
	r := newEvalRing(3)
	if got := r.list(0); len(got) != 0 {
		t.Fatalf("empty ring lists %v", got)
	}
	for i := 1; i <= 5; i++ {
		r.add(Evaluation{At: at(i), Samples: i})
	}
	got := r.list(0)
	if len(got) != 3 || !got[0].At.Equal(at(5)) || !got[1].At.Equal(at(4)) || !got[2].At.Equal(at(3)) {
		t.Fatalf("ring after 5 adds: %v", got)
	}
	if got := r.list(2); len(got) != 2 || !got[0].At.Equal(at(5)) {
		t.Fatalf("list(2) = %v", got)
	}
	// Growing keeps everything; shrinking keeps the newest.
	if got := r.resize(5).list(0); len(got) != 3 || !got[0].At.Equal(at(5)) || !got[2].At.Equal(at(3)) {
		t.Fatalf("resize(5) = %v", got)
	}
	small := r.resize(2)
	small.add(Evaluation{At: at(6)})
	if got := small.list(0); len(got) != 2 || !got[0].At.Equal(at(6)) || !got[1].At.Equal(at(5)) {
		t.Fatalf("resize(2)+add = %v", got)
	}
	var none *evalRing
	none.add(Evaluation{})
	if none.list(0) != nil || newEvalRing(0) != nil || r.resize(0) != nil {
		t.Fatal("a disabled history keeps nothing")
	}
}

// TestEvaluationsAreKeptPerRule drives a rule through a success, a query
// failure and a rule error, across a reload, and reads its history back.
func TestEvaluationsAreKeptPerRule(t *testing.T) {
	q := &fakeQuerier{}
	st := openStore(t, t.TempDir())
	m := newTestManager(t, q, st, func(o *Options) { o.EvalHistory = 3 })
	const rulesText = `groups:
- name: g
  rules:
  - alert: A
    expr: x > 1
    condition: int(labels.instance) > 0
`
	startManager(t, m, mustParse(t, `groups:
- name: g
  rules:
  - alert: A
    expr: x > 1
`))
	id := m.Groups()[0].Rules[0].Rule.ID
	q.set("x > 1", vec(smp(2, "instance", "a"), smp(3, "instance", "b")))
	evalGroup(m, "g", t0)
	q.fail(unavailableErr{})
	evalGroup(m, "g", t0.Add(time.Minute))
	q.fail(nil)

	got, ok := m.Evaluations(id, 0)
	if !ok || len(got) != 2 {
		t.Fatalf("evaluations %+v %v", got, ok)
	}
	if e := got[0]; !e.At.Equal(t0.Add(time.Minute)) || e.Samples != -1 || e.Active != -1 || e.Error != "connection refused" {
		t.Fatalf("failed evaluation %+v", e)
	}
	if e := got[1]; !e.At.Equal(t0) || e.Samples != 2 || e.Active != 2 || e.Error != "" {
		t.Fatalf("successful evaluation %+v", e)
	}

	// A reload that keeps the rule keeps its history.
	if err := m.Update(context.Background(), mustParse(t, rulesText)); err != nil {
		t.Fatal(err)
	}
	evalGroup(m, "g", t0.Add(2*time.Minute))
	evalGroup(m, "g", t0.Add(3*time.Minute))
	got, _ = m.Evaluations(id, 0)
	if len(got) != 3 || !got[0].At.Equal(t0.Add(3*time.Minute)) || !got[2].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after reload, newest 3: %+v", got)
	}
	if got[0].Error == "" || got[0].Samples != 2 {
		t.Fatalf("a condition error is recorded with the samples: %+v", got[0])
	}
	if got, _ := m.Evaluations(id, 1); len(got) != 1 {
		t.Fatalf("limit 1: %+v", got)
	}
	if _, ok := m.Evaluations("nope", 0); ok {
		t.Fatal("unknown rule found")
	}
}
