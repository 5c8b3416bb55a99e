package evaluator

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

const pendingRule = `groups:
- name: g
  rules:
  - alert: P
    expr: p > 1
    for: 1h
  - alert: F
    expr: f > 1
`

// fencedStore refuses commits as a deposed leader's store does.
type fencedStore struct {
	*flakyStore
	commits int
}

func (s *fencedStore) Commit(ctx context.Context, b *state.Batch) error {
	s.commits++
	return fmt.Errorf("term 3 is over: %w", state.ErrFenced)
}

// TestStopForgetsStartRestores is a leader losing and regaining
// leadership: Stop writes nothing and drops the live alerts (the rules stay
// listed), and a later StartWith restores them from the store with their
// activeAt.
func TestStopForgetsStartRestores(t *testing.T) {
	q := &fakeQuerier{}
	q.set("p > 1", vec(smp(2)))
	q.set("f > 1", vec(smp(2)))
	st := openStore(t, t.TempDir())
	m := newTestManager(t, q, st, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.StartWith(ctx, mustParse(t, pendingRule), st); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Minute)
	evalGroup(m, "g", at)
	if !m.Ready() || len(m.Alerts()) != 2 {
		t.Fatalf("ready %v, alerts %+v", m.Ready(), m.Alerts())
	}
	before := len(pendingEvents(t, st))
	m.Stop()
	if m.Ready() || len(m.Alerts()) != 0 {
		t.Fatalf("after Stop: ready %v, alerts %+v", m.Ready(), m.Alerts())
	}
	if gs := m.Groups(); len(gs) != 2 || len(gs[0].Rules) != 2 || gs[0].Rules[0].Health != HealthUnknown {
		t.Fatalf("groups after Stop %+v", gs)
	}
	if n := len(pendingEvents(t, st)); n != before {
		t.Fatalf("Stop wrote %d events", n-before)
	}
	if err := m.StartWith(ctx, mustParse(t, pendingRule), st); err != nil {
		t.Fatalf("second StartWith: %v", err)
	}
	defer m.Stop()
	p := alertsOf(m, "P")
	if len(p) != 1 || p[0].State != alert.StatePending || !p[0].ActiveAt.Equal(at.UTC()) {
		t.Fatalf("pending alert after regaining leadership: %+v", p)
	}
	evalGroup(m, "g", time.Now())
	if n := len(pendingEvents(t, st)); n != before {
		t.Fatalf("first evaluation after regaining leadership made %d events, want none", n-before)
	}
}

// TestUpdateWhileStopped: a follower's reload replaces the rules it shows
// and writes nothing.
func TestUpdateWhileStopped(t *testing.T) {
	st := openStore(t, t.TempDir())
	m := newTestManager(t, &fakeQuerier{}, st, nil)
	if err := m.Update(context.Background(), mustParse(t, pendingRule)); err != nil {
		t.Fatal(err)
	}
	gs := m.Groups()
	if len(gs) != 2 || gs[0].Name != "g" || len(gs[0].Rules) != 2 || gs[1].Name != internalGroupName {
		t.Fatalf("groups %+v", gs)
	}
	if marks, _ := st.LoadGroupMarks(context.Background()); len(marks) != 0 {
		t.Fatalf("Update of a stopped manager wrote %+v", marks)
	}
}

// TestStatusStoredWithTheBatch: each evaluation stores its group's and
// rules' health for the replicas that do not evaluate.
func TestStatusStoredWithTheBatch(t *testing.T) {
	q := &fakeQuerier{}
	q.set("p > 1", vec(smp(2)))
	st := openStore(t, t.TempDir())
	m := newTestManager(t, q, st, func(o *Options) { o.StoreStatus = true })
	startManager(t, m, mustParse(t, `groups:
- name: g
  rules:
  - alert: P
    expr: p > 1
  - alert: Bad
    expr: q > 1
`))
	q.set("q > 1", nil)
	evalGroup(m, "g", t0)
	got, err := st.LoadGroupStatus(context.Background())
	if err != nil || len(got) != 1 {
		t.Fatalf("status %+v %v", got, err)
	}
	g := got[0]
	if g.Group != "rules.yml;g" || !g.LastEval.Equal(t0) || len(g.Rules) != 2 {
		t.Fatalf("group status %+v", g)
	}
	for _, r := range g.Rules {
		if r.Health != string(HealthOK) || !r.LastEval.Equal(t0) {
			t.Errorf("rule status %+v", r)
		}
	}
	q.fail(unavailableErr{})
	evalGroup(m, "g", t0.Add(time.Minute))
	got, _ = st.LoadGroupStatus(context.Background())
	if r := got[0].Rules[0]; r.Health != string(HealthErr) || r.LastError != "connection refused" {
		t.Fatalf("rule status after a failed query %+v", r)
	}
}

// TestFencedCommitIsDropped: a deposed leader's evaluation is not kept to
// be retried (it is not its to store), while an ordinary failure is.
func TestFencedCommitIsDropped(t *testing.T) {
	q := &fakeQuerier{}
	q.set("f > 1", vec(smp(2)))
	base := openStore(t, t.TempDir())
	fs := &fencedStore{flakyStore: base}
	m := newTestManager(t, q, base, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.StartWith(ctx, mustParse(t, pendingRule), fs); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	evalGroup(m, "g", t0)
	m.mu.RLock()
	pending := m.groups[0].pending
	m.mu.RUnlock()
	if fs.commits == 0 || pending != nil {
		t.Fatalf("commits %d, pending batch %+v: a fenced batch must be dropped", fs.commits, pending)
	}
}

// TestDatasourceDownRestoredBeforeAnyQuery: after a restart (or a
// failover) the internal group may evaluate before any rule queried the
// datasource; the stored AlerterDatasourceDown must not resolve then.
func TestDatasourceDownRestoredBeforeAnyQuery(t *testing.T) {
	dir := t.TempDir()
	q := &fakeQuerier{}
	q.fail(unavailableErr{})
	down := func(o *Options) { o.DatasourceDownAfter = time.Minute }
	now := time.Now()
	{
		st := openStore(t, dir)
		m := newTestManager(t, q, st, down)
		startManager(t, m, mustParse(t, oneRule))
		evalGroup(m, "g", now.Add(-3*time.Minute))
		evalGroup(m, internalGroupName, now.Add(-time.Minute))
		m.Stop()
	}
	st := openStore(t, dir)
	m := newTestManager(t, q, st, down)
	startManager(t, m, mustParse(t, oneRule))
	evalGroup(m, internalGroupName, now)
	if got := kinds(pendingEvents(t, st)); got != "firing:AlerterDatasourceDown" {
		t.Fatalf("events %q: the restored alert resolved before any query", got)
	}
	// It resolves once a query succeeds.
	q.fail(nil)
	evalGroup(m, "g", now.Add(time.Second))
	evalGroup(m, internalGroupName, now.Add(2*time.Second))
	if got := kinds(pendingEvents(t, st)); got != "firing:AlerterDatasourceDown,resolved:AlerterDatasourceDown" {
		t.Fatalf("events after recovery %q", got)
	}
}
