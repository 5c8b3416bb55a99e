package evaluator

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// countingStore counts the batches committed for one group.
type countingStore struct {
	*flakyStore
	mu      sync.Mutex
	commits map[string]int
}

func (s *countingStore) Commit(ctx context.Context, b *state.Batch) error {
	err := s.flakyStore.Commit(ctx, b)
	if err == nil {
		s.mu.Lock()
		s.commits[b.Group]++
		s.mu.Unlock()
	}
	return err
}

func (s *countingStore) count(group string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits[group]
}

func (s *countingStore) mark(t *testing.T, group string) time.Time {
	t.Helper()
	marks, err := s.LoadGroupMarks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range marks {
		if m.Group == group {
			return m.LastEvalAt
		}
	}
	return time.Time{}
}

const marksRules = `groups:
- name: g
  rules:
  - alert: P
    expr: p > 1
    for: 3h
`

// TestQuietEvaluationsWriteNothing: evaluations that change nothing write
// nothing, until the stored mark is markEvery old; one that changes
// something carries the mark along; a stop writes the last one.
func TestQuietEvaluationsWriteNothing(t *testing.T) {
	q := &fakeQuerier{}
	st := &countingStore{flakyStore: openStore(t, t.TempDir()), commits: map[string]int{}}
	m := newTestManager(t, q, st, func(o *Options) { o.OutageTolerance = 10 * time.Minute })
	startManager(t, m, mustParse(t, marksRules))
	const g = "rules.yml;g"
	if every := m.markEvery(); every != time.Minute {
		t.Fatalf("markEvery = %v, want 1m (a tenth of 10m, at most 1m)", every)
	}
	evalGroup(m, "g", t0)
	if n, mk := st.count(g), st.mark(t, g); n != 1 || !mk.Equal(t0) {
		t.Fatalf("first evaluation: %d commits, mark %v; want 1, %v", n, mk, t0)
	}
	for i := 1; i < 6; i++ { // 10s … 50s: nothing changes
		evalGroup(m, "g", t0.Add(time.Duration(i)*10*time.Second))
	}
	if n, mk := st.count(g), st.mark(t, g); n != 1 || !mk.Equal(t0) {
		t.Fatalf("after 5 quiet evaluations: %d commits, mark %v; want still 1, %v", n, mk, t0)
	}
	evalGroup(m, "g", t0.Add(time.Minute))
	if n, mk := st.count(g), st.mark(t, g); n != 2 || !mk.Equal(t0.Add(time.Minute)) {
		t.Fatalf("a minute on: %d commits, mark %v; want 2, %v", n, mk, t0.Add(time.Minute))
	}
	// A change is stored at once, with the mark.
	q.set("p > 1", vec(smp(2)))
	at := t0.Add(70 * time.Second)
	evalGroup(m, "g", at)
	if n, mk := st.count(g), st.mark(t, g); n != 3 || !mk.Equal(at) {
		t.Fatalf("evaluation with a new pending alert: %d commits, mark %v; want 3, %v", n, mk, at)
	}
	last := t0.Add(90 * time.Second)
	evalGroup(m, "g", t0.Add(80*time.Second))
	evalGroup(m, "g", last)
	if n := st.count(g); n != 3 {
		t.Fatalf("quiet evaluations with a pending alert: %d commits, want 3", n)
	}
	m.Stop()
	if n, mk := st.count(g), st.mark(t, g); n != 4 || !mk.Equal(last) {
		t.Fatalf("after Stop: %d commits, mark %v; want 4, the last evaluation %v", n, mk, last)
	}
}

// TestHealthChangeStoresStatus: with the status stored for followers, a
// rule whose health changes is stored at once even if nothing else changed.
func TestHealthChangeStoresStatus(t *testing.T) {
	q := &fakeQuerier{}
	st := &countingStore{flakyStore: openStore(t, t.TempDir()), commits: map[string]int{}}
	m := newTestManager(t, q, st, func(o *Options) { o.StoreStatus = true })
	startManager(t, m, mustParse(t, marksRules))
	const g = "rules.yml;g"
	evalGroup(m, "g", t0)
	evalGroup(m, "g", t0.Add(10*time.Second))
	if n := st.count(g); n != 1 {
		t.Fatalf("%d commits, want 1", n)
	}
	q.fail(unavailableErr{})
	evalGroup(m, "g", t0.Add(20*time.Second))
	if n := st.count(g); n != 2 {
		t.Fatalf("query failing: %d commits, want 2", n)
	}
	got, err := st.LoadGroupStatus(context.Background())
	if err != nil || len(got) != 1 || got[0].Rules[0].Health != string(HealthErr) || !got[0].LastEval.Equal(t0.Add(20*time.Second)) {
		t.Fatalf("stored status %+v, %v; want the failing evaluation", got, err)
	}
	evalGroup(m, "g", t0.Add(30*time.Second))
	if n := st.count(g); n != 2 {
		t.Fatalf("still failing the same way: %d commits, want 2", n)
	}
}

// TestCrashKeepsPendingWithinTolerance: a crash (no stop) leaves the mark of
// the last evaluation that stored something, at most markEvery old; a
// pending alert is restored with its activeAt when the outage counted from
// that mark is within the tolerance, and starts over when it is not.
func TestCrashKeepsPendingWithinTolerance(t *testing.T) {
	for _, c := range []struct {
		name  string
		since time.Duration // from the stored mark to the restart
		kept  bool
	}{
		{"within", 9 * time.Minute, true},
		{"beyond", 11 * time.Minute, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			q := &fakeQuerier{}
			q.set("p > 1", vec(smp(2)))
			start := time.Now().Add(-c.since)
			base := openStore(t, dir)
			st := &countingStore{flakyStore: base, commits: map[string]int{}}
			m := newTestManager(t, q, st, func(o *Options) { o.OutageTolerance = 10 * time.Minute })
			startManager(t, m, mustParse(t, marksRules))
			evalGroup(m, "g", start)
			for i := 1; i <= 5; i++ {
				evalGroup(m, "g", start.Add(time.Duration(i)*10*time.Second))
			}
			if mk := st.mark(t, "rules.yml;g"); !mk.Equal(start) {
				t.Fatalf("stored mark %v, want %v (the quiet evaluations after it unwritten)", mk, start)
			}
			// Crash: whatever the stop would write is lost.
			base.mu.Lock()
			base.failing = true
			base.mu.Unlock()
			m.Stop()
			base.mu.Lock()
			base.failing = false
			base.mu.Unlock()

			m2 := newTestManager(t, q, base, func(o *Options) { o.OutageTolerance = 10 * time.Minute })
			startManager(t, m2, mustParse(t, marksRules))
			p := alertsOf(m2, "P")
			if kept := len(p) == 1 && p[0].State == alert.StatePending && p[0].ActiveAt.Equal(start.UTC()); kept != c.kept {
				t.Fatalf("pending alert after a crash %v after its stored mark: %+v; want kept=%v", c.since, p, c.kept)
			}
		})
	}
}

// TestAlertSets: the evaluator hands out the maps of its live alerts, and
// nothing for an alert it does not hold.
func TestAlertSets(t *testing.T) {
	q := &fakeQuerier{}
	q.set("p > 1", vec(smp(2, "instance", "a")))
	m := newTestManager(t, q, openStore(t, t.TempDir()), nil)
	startManager(t, m, mustParse(t, marksRules))
	evalGroup(m, "g", t0)
	live := alertsOf(m, "P")
	if len(live) != 1 {
		t.Fatalf("alerts %+v", live)
	}
	ls, as, ok := m.AlertSets(live[0].Key)
	if !ok || !ls.Equal(live[0].Labels) || !as.Equal(live[0].Annotations) {
		t.Fatalf("AlertSets = %v, %v, %v; want the alert's %v", ls, as, ok, live[0].Labels)
	}
	if _, _, ok := m.AlertSets(alert.Key{RuleID: live[0].Key.RuleID, ID: 1}); ok {
		t.Error("AlertSets found an alert that does not exist")
	}
	if _, _, ok := m.AlertSets(alert.Key{RuleID: "nope", ID: live[0].Key.ID}); ok {
		t.Error("AlertSets found an alert of a rule that does not exist")
	}
}
