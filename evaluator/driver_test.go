package evaluator

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
)

// TestDriverStepsGroupsAtGivenTimes drives a group through a timeline of
// its own: the state machine, the store and the observer see exactly the
// times given, and nothing runs by itself in between.
func TestDriverStepsGroupsAtGivenTimes(t *testing.T) {
	q := &fakeQuerier{}
	st := openStore(t, t.TempDir())
	m := newTestManager(t, q, st, nil)
	set := mustParse(t, `
groups:
  - name: g
    interval: 1m
    rules:
      - record: r
        expr: x
      - alert: A
        expr: x > 0
        for: 2m
      - alert: B
        expr: y > 0
`)
	ctx := context.Background()
	d, err := m.Drive(ctx, set, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, set); err == nil {
		t.Fatal("Start after Drive must fail")
	}
	gs := d.Groups()
	if len(gs) != 1 || gs[0].Interval != time.Minute || gs[0].Group.Name != "g" {
		t.Fatalf("groups: %+v", gs)
	}
	if next := d.Next(0, time.Unix(0, 0)); !next.After(time.Unix(0, 0)) || next.Sub(time.Unix(0, 0)) > time.Minute {
		t.Fatalf("next evaluation %v", next)
	}
	q.set("x > 0", vec(smp(1, "__name__", "x", "job", "a")))
	q.set("y > 0", nil)
	var seen []string
	t0 := time.Unix(600, 0)
	for i := range 3 {
		ts := t0.Add(time.Duration(i) * time.Minute)
		d.Eval(ctx, 0, ts, func(e *RuleEval) {
			if !e.TS.Equal(ts) {
				t.Errorf("observer at %v for evaluation at %v", e.TS, ts)
			}
			line := e.Rule.Name()
			for _, a := range e.Alerts() {
				line += " " + a.State.String()
			}
			for _, ev := range e.Result.Events {
				line += " event:" + ev.Kind.String()
			}
			seen = append(seen, line)
		})
	}
	want := "r|A pending|B|r|A pending|B|r|A firing event:firing|B"
	if got := strings.Join(seen, "|"); got != want {
		t.Fatalf("observed %s\nwant     %s", got, want)
	}
	if evs := pendingEvents(t, st); len(evs) != 1 || evs[0].Kind != alert.EventFiring || !evs[0].At.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("stored events: %v", evs)
	}
	if a := alertsOf(m, "A"); len(a) != 1 || a[0].State != alert.StateFiring {
		t.Fatalf("Alerts() = %v", a)
	}

	// A failing query reaches the observer and freezes the rule.
	q.fail(errors.New("boom"))
	var errs []error
	d.Eval(ctx, 0, t0.Add(3*time.Minute), func(e *RuleEval) {
		if e.Rule.IsAlerting() {
			errs = append(errs, e.Err)
		}
	})
	if len(errs) != 2 || errs[0] == nil || errs[1] == nil {
		t.Fatalf("errors observed: %v", errs)
	}
	if a := alertsOf(m, "A"); len(a) != 1 || a[0].State != alert.StateFiring {
		t.Fatalf("state not frozen: %v", a)
	}
}

func TestDriverRefusesAStartedManager(t *testing.T) {
	m := newTestManager(t, &fakeQuerier{}, openStore(t, t.TempDir()), nil)
	set := mustParse(t, "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: x\n")
	startManager(t, m, set)
	if _, err := m.Drive(context.Background(), set, time.Now()); err == nil {
		t.Fatal("Drive on a started manager must fail")
	}
}
