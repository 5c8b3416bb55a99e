package evaluator

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

const oneRule = `groups:
- name: g
  rules:
  - alert: A
    expr: x > 1
    keep_firing_for: 5m
`

func kinds(evs []*alert.Event) string {
	s := ""
	for _, e := range evs {
		if s != "" {
			s += ","
		}
		s += e.Kind.String() + ":" + string(e.Alert.Labels["alertname"])
	}
	return s
}

func TestQueryErrorFreezesState(t *testing.T) {
	q := &fakeQuerier{}
	st := openStore(t, t.TempDir())
	m := newTestManager(t, q, st, func(o *Options) { o.DatasourceDownAfter = 2 * time.Minute })
	startManager(t, m, mustParse(t, oneRule))

	q.set("x > 1", vec(smp(2, "instance", "a")))
	evalGroup(m, "g", t0)
	if got := kinds(pendingEvents(t, st)); got != "firing:A" {
		t.Fatalf("events %q", got)
	}
	q.fail(unavailableErr{})
	for i := 1; i <= 10; i++ {
		evalGroup(m, "g", t0.Add(time.Duration(i)*time.Minute))
	}
	as := alertsOf(m, "A")
	if len(as) != 1 || as[0].State != alert.StateFiring || !as[0].KeepFiringSince.IsZero() {
		t.Fatalf("state during the outage: %+v", as)
	}
	gs := m.Groups()
	if r := gs[0].Rules[0]; r.Health != HealthErr || r.LastError != "connection refused" {
		t.Fatalf("health %q lastError %q", r.Health, r.LastError)
	}
	// The datasource-down alert fires once the failures are old enough.
	evalGroup(m, internalGroupName, t0.Add(10*time.Minute))
	if got := kinds(pendingEvents(t, st)); got != "firing:A,firing:AlerterDatasourceDown" {
		t.Fatalf("events %q", got)
	}
	// Recovery: the same series, no re-page, the internal alert resolves.
	q.fail(nil)
	evalGroup(m, "g", t0.Add(11*time.Minute))
	evalGroup(m, internalGroupName, t0.Add(11*time.Minute))
	if got := kinds(pendingEvents(t, st)); got != "firing:A,firing:AlerterDatasourceDown,resolved:AlerterDatasourceDown" {
		t.Fatalf("events %q", got)
	}
	if r := m.Groups()[0].Rules[0]; r.Health != HealthOK {
		t.Fatalf("health after recovery %q", r.Health)
	}
}

func TestRuleErrorIsNotDatasourceDown(t *testing.T) {
	q := &fakeQuerier{}
	st := openStore(t, t.TempDir())
	m := newTestManager(t, q, st, func(o *Options) { o.DatasourceDownAfter = time.Minute })
	startManager(t, m, mustParse(t, oneRule))
	q.fail(errRule{})
	for i := 0; i < 5; i++ {
		evalGroup(m, "g", t0.Add(time.Duration(i)*time.Minute))
	}
	evalGroup(m, internalGroupName, t0.Add(5*time.Minute))
	if evs := pendingEvents(t, st); len(evs) != 0 {
		t.Fatalf("a rule's own error raised %q", kinds(evs))
	}
}

type errRule struct{}

func (errRule) Error() string     { return "parse error" }
func (errRule) Unavailable() bool { return false }

func TestFailedCommitIsRetriedWithNothingLost(t *testing.T) {
	q := &fakeQuerier{}
	st := openStore(t, t.TempDir())
	m := newTestManager(t, q, st, nil)
	startManager(t, m, mustParse(t, oneRule))

	st.failing = true
	q.set("x > 1", vec(smp(2, "instance", "a")))
	evalGroup(m, "g", t0)
	q.set("x > 1", vec(smp(2, "instance", "a"), smp(2, "instance", "b")))
	evalGroup(m, "g", t0.Add(time.Minute))
	st.failing = false
	q.set("x > 1", vec(smp(2, "instance", "b")))
	evalGroup(m, "g", t0.Add(2*time.Minute))

	if got := kinds(pendingEvents(t, st)); got != "firing:A,firing:A" {
		t.Fatalf("events after the store came back: %q", got)
	}
	stored, err := st.LoadAlerts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 {
		t.Fatalf("%d alerts stored, want 2", len(stored))
	}
}

func TestRestoreAfterRestart(t *testing.T) {
	dir := t.TempDir()
	const text = `groups:
- name: g
  rules:
  - alert: Pending
    expr: p > 1
    for: 1h
  - alert: Firing
    expr: f > 1
  - alert: Gone
    expr: g > 1
`
	q := &fakeQuerier{}
	q.set("p > 1", vec(smp(2)))
	q.set("f > 1", vec(smp(2)))
	q.set("g > 1", vec(smp(2)))
	now := time.Now().Add(-10 * time.Minute)
	{
		st := openStore(t, dir)
		m := newTestManager(t, q, st, nil)
		startManager(t, m, mustParse(t, text))
		evalGroup(m, "g", now)
		m.Stop()
		// Everything was "delivered" before the restart.
		evs := pendingEvents(t, st)
		var ids []int64
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		if err := st.MarkDelivered(context.Background(), ids, now); err != nil {
			t.Fatal(err)
		}
	}
	// Restart with the Gone rule removed.
	st := openStore(t, dir)
	m := newTestManager(t, q, st, nil)
	startManager(t, m, mustParse(t, `groups:
- name: g
  rules:
  - alert: Pending
    expr: p > 1
    for: 1h
  - alert: Firing
    expr: f > 1
`))
	p := alertsOf(m, "Pending")
	if len(p) != 1 || p[0].State != alert.StatePending || !p[0].ActiveAt.Equal(now.UTC()) {
		t.Fatalf("pending after restart: %+v", p)
	}
	if f := alertsOf(m, "Firing"); len(f) != 1 || f[0].State != alert.StateFiring {
		t.Fatalf("firing after restart: %+v", f)
	}
	// The removed rule's firing alert resolves; nothing is re-sent.
	if got := kinds(pendingEvents(t, st)); got != "resolved:Gone" {
		t.Fatalf("events after restart %q", got)
	}
	evalGroup(m, "g", time.Now())
	if got := kinds(pendingEvents(t, st)); got != "resolved:Gone" {
		t.Fatalf("first evaluation after restart re-paged: %q", got)
	}
}

func TestRestoreAfterLongOutageRestartsPending(t *testing.T) {
	dir := t.TempDir()
	q := &fakeQuerier{}
	q.set("p > 1", vec(smp(2)))
	q.set("f > 1", vec(smp(2)))
	const text = `groups:
- name: g
  rules:
  - alert: Pending
    expr: p > 1
    for: 3h
  - alert: Firing
    expr: f > 1
`
	long := time.Now().Add(-2 * time.Hour)
	{
		st := openStore(t, dir)
		m := newTestManager(t, q, st, nil)
		startManager(t, m, mustParse(t, text))
		evalGroup(m, "g", long)
		m.Stop()
	}
	st := openStore(t, dir)
	m := newTestManager(t, q, st, func(o *Options) { o.OutageTolerance = time.Hour })
	startManager(t, m, mustParse(t, text))
	if p := alertsOf(m, "Pending"); len(p) != 0 {
		t.Fatalf("pending alert kept across an outage longer than the tolerance: %+v", p)
	}
	if f := alertsOf(m, "Firing"); len(f) != 1 || f[0].State != alert.StateFiring {
		t.Fatalf("firing alert not kept across a long outage: %+v", f)
	}
}

func TestUpdateKeepsStateOfUnchangedRules(t *testing.T) {
	q := &fakeQuerier{}
	st := openStore(t, t.TempDir())
	m := newTestManager(t, q, st, nil)
	startManager(t, m, mustParse(t, `groups:
- name: g
  rules:
  - alert: Keep
    expr: k > 1
    for: 10m
  - alert: Drop
    expr: d > 1
`))
	q.set("k > 1", vec(smp(2)))
	q.set("k > 2", vec(smp(3)))
	q.set("d > 1", vec(smp(2)))
	evalGroup(m, "g", t0)
	before := alertsOf(m, "Keep")[0]

	// The query and for change, the identity (file, group, name, labels)
	// does not: the pending alert keeps its start.
	err := m.Update(context.Background(), mustParse(t, `groups:
- name: g
  rules:
  - alert: Keep
    expr: k > 2
    for: 5m
`))
	if err != nil {
		t.Fatal(err)
	}
	after := alertsOf(m, "Keep")
	if len(after) != 1 || !after[0].ActiveAt.Equal(before.ActiveAt) {
		t.Fatalf("state not carried: %+v", after)
	}
	if got := kinds(pendingEvents(t, st)); got != "firing:Drop,resolved:Drop" {
		t.Fatalf("events %q", got)
	}
	evalGroup(m, "g", t0.Add(5*time.Minute))
	if a := alertsOf(m, "Keep"); len(a) != 1 || a[0].State != alert.StateFiring {
		t.Fatalf("new for not applied: %+v", a)
	}
}

func TestScheduleOffsetIsStableAndSpread(t *testing.T) {
	a := newIntervalSchedule("f;a", time.Minute)
	b := newIntervalSchedule("f;b", time.Minute)
	if a != newIntervalSchedule("f;a", time.Minute) {
		t.Fatal("offset not stable")
	}
	if a.offset == b.offset {
		t.Fatal("two groups got the same offset")
	}
	now := time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)
	first := a.first(now)
	if !first.After(now) || first.Sub(now) > time.Minute || first.Sub(first.Truncate(time.Minute)) != a.offset {
		t.Fatalf("first %v for now %v offset %v", first, now, a.offset)
	}
	next, missed := a.next(first, first.Add(150*time.Second))
	if missed != 2 || !next.Equal(first.Add(3*time.Minute)) {
		t.Fatalf("next %v missed %d", next, missed)
	}
}

func TestGroupLoopCountsMissedIterations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		block := make(chan struct{})
		q := &fakeQuerier{block: block}
		st := openStore(t, t.TempDir())
		reg := prometheus.NewRegistry()
		m := newTestManager(t, q, st, func(o *Options) {
			o.Registerer = reg
			o.DefaultInterval = 10 * time.Second
			o.QueryTimeout = time.Hour
			o.DatasourceDownAfter = -1
		})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sched := newIntervalSchedule("rules.yml;g", 10*time.Second)
		first := sched.first(time.Now())
		if err := m.Start(ctx, mustParse(t, oneRule)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second) // the first evaluation starts and blocks
		synctest.Wait()
		time.Sleep(35 * time.Second) // three or four slots pass while it runs
		_, want := sched.next(first, time.Now())
		close(block)
		synctest.Wait()
		m.Stop()
		missed := testutil.ToFloat64(m.metrics.missed.WithLabelValues("rules.yml;g"))
		if want < 3 || missed != float64(want) {
			t.Fatalf("missed = %v, want %d", missed, want)
		}
		q.mu.Lock()
		calls := q.calls
		q.mu.Unlock()
		if calls != 1 {
			t.Fatalf("%d queries: the group ran concurrently with itself", calls)
		}
	})
}

func TestRulesWithTheSameQueryShareOneQuery(t *testing.T) {
	q := &fakeQuerier{}
	st := openStore(t, t.TempDir())
	reg := prometheus.NewRegistry()
	// One query per distinct question: batching off (batch_test.go).
	m := newTestManager(t, q, st, func(o *Options) { o.Registerer = reg; o.NoBatching = true })
	startManager(t, m, mustParse(t, `groups:
- name: g
  rules:
  - alert: Warn
    query: sum by (job) (rate(x{b="2", a="1"}[5m]))
    condition: value > 1
  - alert: Crit
    query: |
      sum by(job)(
        rate(x{a="1",b="2"}[5m])
      )
    condition: value > 5
  - alert: Other
    query: 'up{a="x  y"}'
  - alert: NotTheSame
    query: 'up{a="x y"}'
`))
	q.set(`sum by (job) (rate(x{b="2", a="1"}[5m]))`, vec(smp(3, "job", "a")))
	evalGroup(m, "g", t0)
	q.mu.Lock()
	calls := q.calls
	q.mu.Unlock()
	if calls != 3 {
		t.Fatalf("%d queries for 4 rules, 2 of which share one: want 3", calls)
	}
	if saved := testutil.ToFloat64(m.metrics.queriesSaved); saved != 1 {
		t.Fatalf("alerter_queries_saved_total = %v", saved)
	}
	// The sharing rule saw the shared answer.
	if w := alertsOf(m, "Warn"); len(w) != 1 {
		t.Fatalf("Warn: %+v", w)
	}
	if c := alertsOf(m, "Crit"); len(c) != 0 {
		t.Fatalf("Crit fired on 3 > 5: %+v", c)
	}
}

func TestDatasourceDownAlertSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	q := &fakeQuerier{}
	q.fail(unavailableErr{})
	down := func(o *Options) { o.DatasourceDownAfter = time.Minute }
	{
		st := openStore(t, dir)
		m := newTestManager(t, q, st, down)
		startManager(t, m, mustParse(t, oneRule))
		evalGroup(m, "g", t0)
		evalGroup(m, internalGroupName, t0.Add(2*time.Minute))
		if got := kinds(pendingEvents(t, st)); got != "firing:AlerterDatasourceDown" {
			t.Fatalf("events %q", got)
		}
		m.Stop()
	}
	st := openStore(t, dir)
	m := newTestManager(t, q, st, down)
	startManager(t, m, mustParse(t, oneRule))
	if a := alertsOf(m, internalAlertName); len(a) != 1 || a[0].State != alert.StateFiring {
		t.Fatalf("AlerterDatasourceDown after restart: %+v", a)
	}
	evalGroup(m, "g", t0.Add(3*time.Minute))
	evalGroup(m, internalGroupName, t0.Add(5*time.Minute))
	if got := kinds(pendingEvents(t, st)); got != "firing:AlerterDatasourceDown" {
		t.Fatalf("restart re-paged or resolved: %q", got)
	}
}

func TestQueryOffsetShiftsQueryTime(t *testing.T) {
	q := &fakeQuerier{}
	m := newTestManager(t, q, openStore(t, t.TempDir()), func(o *Options) { o.DefaultQueryOffset = 10 * time.Second })
	startManager(t, m, mustParse(t, `groups:
- name: own
  query_offset: 30s
  rules:
  - alert: A
    expr: x
- name: default
  rules:
  - alert: B
    expr: y
`))
	evalGroup(m, "own", t0)
	if !q.lastTS.Equal(t0.Add(-30 * time.Second)) {
		t.Fatalf("group query_offset: queried at %v", q.lastTS)
	}
	evalGroup(m, "default", t0)
	if !q.lastTS.Equal(t0.Add(-10 * time.Second)) {
		t.Fatalf("global query offset: queried at %v", q.lastTS)
	}
}

func TestCronSchedule(t *testing.T) {
	set := mustParse(t, `groups:
- name: office
  schedule: "CRON_TZ=Europe/Berlin 0 */5 8-17 * * MON-FRI"
  rules:
  - alert: A
    expr: x
`)
	s := cronSchedule{c: set.Groups[0].Cron}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Friday 17:57 Berlin: the next run is Monday 08:00 Berlin.
	now := time.Date(2026, 3, 6, 17, 57, 0, 0, berlin)
	first := s.first(now)
	if want := time.Date(2026, 3, 9, 8, 0, 0, 0, berlin); !first.Equal(want) {
		t.Fatalf("first = %v, want %v", first, want)
	}
	// An evaluation that overran 12 minutes missed two slots.
	next, missed := s.next(first, first.Add(12*time.Minute))
	if want := first.Add(15 * time.Minute); !next.Equal(want) || missed != 2 {
		t.Fatalf("next = %v missed %d, want %v and 2", next, missed, want)
	}
}

func TestRestoreLeavesPushedAlertsAlone(t *testing.T) {
	st := openStore(t, t.TempDir())
	ls := model.LabelSet{"alertname": "FromPrometheus", "instance": "a"}
	pushed := &alert.Alert{
		Key:    alert.Key{RuleID: alert.PushedRuleID, ID: ls.Fingerprint()},
		Labels: ls, State: alert.StateFiring, ActiveAt: t0, FiredAt: t0, LastEvalAt: t0, EndsAt: t0.Add(time.Hour),
	}
	if err := st.Commit(context.Background(), &state.Batch{Group: "test", Upserts: []*alert.Alert{pushed}}); err != nil {
		t.Fatal(err)
	}
	m := newTestManager(t, &fakeQuerier{}, st, nil)
	startManager(t, m, mustParse(t, "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: a > 1\n"))
	if got := kinds(pendingEvents(t, st)); got != "" {
		t.Fatalf("restore emitted %q for a pushed alert, which belongs to no rule", got)
	}
	stored, err := st.LoadAlerts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].Key != pushed.Key || stored[0].State != alert.StateFiring {
		t.Fatalf("stored after restore: %+v", stored)
	}
	if err := m.Update(context.Background(), mustParse(t, "groups: []\n")); err != nil {
		t.Fatal(err)
	}
	if stored, _ := st.LoadAlerts(context.Background()); len(stored) != 1 {
		t.Fatalf("a reload removed the pushed alert: %+v", stored)
	}
}
