package evaluator

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// series builds an active series; labels are "k=v" pairs. A "severity"
// label is left out of the identity, as for rules with severities.
func series(v float64, kv ...string) Series {
	ls := model.LabelSet{"alertname": "Test"}
	for _, p := range kv {
		k, val, _ := strings.Cut(p, "=")
		ls[model.LabelName(k)] = model.LabelValue(val)
	}
	rank := 0
	if ls["severity"] == "warning" {
		rank = 1
	}
	return Series{ID: identity(ls.Clone(), true), Labels: ls, Value: v, Rank: rank}
}

// snapshot renders the states as "instance:state" sorted, for comparison.
func snapshot(states map[model.Fingerprint]*alert.Alert) string {
	var out []string
	for _, a := range states {
		s := string(a.Labels["instance"]) + ":" + a.State.String()
		if a.State == alert.StateInactive {
			s += "(resolved)"
		}
		if sev := a.Labels["severity"]; sev != "" {
			s += "/" + string(sev)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func events(evs []*alert.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind.String()+":"+string(e.Alert.Labels["instance"]))
	}
	// The order of one evaluation's events carries no meaning (the
	// dispatcher sorts what it groups), and it follows map iteration.
	sort.Strings(out)
	return strings.Join(out, ",")
}

type step struct {
	at     time.Duration
	in     []Series
	want   string
	events string
	err    string
}

func runSteps(t *testing.T, p MachineParams, steps []step) map[model.Fingerprint]*alert.Alert {
	t.Helper()
	if p.SeverityRank == nil {
		p.SeverityRank = func(s string) int {
			switch s {
			case "critical":
				return 0
			case "warning":
				return 1
			}
			return 99
		}
	}
	states := map[model.Fingerprint]*alert.Alert{}
	for i, s := range steps {
		before := snapshot(states)
		res, err := Step(states, s.in, t0.Add(s.at), p)
		if s.err != "" {
			if err == nil || !strings.Contains(err.Error(), s.err) {
				t.Fatalf("step %d (t+%v): error = %v, want %q", i, s.at, err, s.err)
			}
		} else if err != nil {
			t.Fatalf("step %d (t+%v): unexpected error %v", i, s.at, err)
		}
		if errors.Is(err, ErrDuplicateLabelSet) && snapshot(states) != before {
			t.Fatalf("step %d: a failed step changed state: %s -> %s", i, before, snapshot(states))
		}
		if got := snapshot(states); got != s.want {
			t.Fatalf("step %d (t+%v): states = %q, want %q", i, s.at, got, s.want)
		}
		if got := events(res.Events); got != s.events {
			t.Fatalf("step %d (t+%v): events = %q, want %q", i, s.at, got, s.events)
		}
	}
	return states
}

func TestStepTransitions(t *testing.T) {
	a := func(v float64) Series { return series(v, "instance=a") }
	b := func(v float64) Series { return series(v, "instance=b") }
	tests := []struct {
		name  string
		p     MachineParams
		steps []step
	}{
		{
			name: "for 0 fires on the first evaluation",
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:firing", events: "firing:a"},
				{at: time.Minute, in: []Series{a(2)}, want: "a:firing"},
			},
		},
		{
			name: "pending then firing once for has elapsed",
			p:    MachineParams{For: 2 * time.Minute},
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:pending"},
				{at: time.Minute, in: []Series{a(1)}, want: "a:pending"},
				{at: 2 * time.Minute, in: []Series{a(1)}, want: "a:firing", events: "firing:a"},
			},
		},
		{
			name: "pending that goes inactive is dropped without an event",
			p:    MachineParams{For: 2 * time.Minute},
			steps: []step{
				{at: 0, in: []Series{a(1), b(1)}, want: "a:pending,b:pending"},
				{at: time.Minute, in: []Series{b(1)}, want: "b:pending"},
				{at: 2 * time.Minute, in: []Series{a(1), b(1)}, want: "a:pending,b:firing", events: "firing:b"},
			},
		},
		{
			name: "flapping input never fires",
			p:    MachineParams{For: 2 * time.Minute},
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:pending"},
				{at: time.Minute, in: nil, want: ""},
				{at: 2 * time.Minute, in: []Series{a(1)}, want: "a:pending"},
				{at: 3 * time.Minute, in: nil, want: ""},
				{at: 4 * time.Minute, in: []Series{a(1)}, want: "a:pending"},
			},
		},
		{
			name: "firing resolves, is kept for the retention, then forgotten",
			p:    MachineParams{ResolvedRetention: 15 * time.Minute},
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:firing", events: "firing:a"},
				{at: time.Minute, in: nil, want: "a:inactive(resolved)", events: "resolved:a"},
				{at: 16 * time.Minute, in: nil, want: "a:inactive(resolved)"},
				{at: 17 * time.Minute, in: nil, want: ""},
			},
		},
		{
			name: "a resolved alert that comes back starts pending anew",
			p:    MachineParams{For: time.Minute},
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:pending"},
				{at: time.Minute, in: []Series{a(1)}, want: "a:firing", events: "firing:a"},
				{at: 2 * time.Minute, in: nil, want: "a:inactive(resolved)", events: "resolved:a"},
				{at: 3 * time.Minute, in: []Series{a(1)}, want: "a:pending"},
				{at: 4 * time.Minute, in: []Series{a(1)}, want: "a:firing", events: "firing:a"},
			},
		},
		{
			name: "keep_firing_for carries a dip and resets when the series returns",
			p:    MachineParams{KeepFiringFor: 2 * time.Minute},
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:firing", events: "firing:a"},
				{at: 1 * time.Minute, in: nil, want: "a:firing"},
				{at: 2 * time.Minute, in: nil, want: "a:firing"},
				{at: 3 * time.Minute, in: []Series{a(1)}, want: "a:firing"},
				{at: 4 * time.Minute, in: nil, want: "a:firing"},
				{at: 5 * time.Minute, in: nil, want: "a:firing"},
				{at: 6 * time.Minute, in: nil, want: "a:inactive(resolved)", events: "resolved:a"},
			},
		},
		{
			name: "keep_firing_for does not apply to pending alerts",
			p:    MachineParams{For: 5 * time.Minute, KeepFiringFor: 10 * time.Minute},
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:pending"},
				{at: time.Minute, in: nil, want: ""},
			},
		},
		{
			name: "duplicate label sets fail the step and keep state",
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:firing", events: "firing:a"},
				{at: time.Minute, in: []Series{a(1), b(1), a(2)}, want: "a:firing", err: "same labelset"},
				{at: 2 * time.Minute, in: []Series{a(1)}, want: "a:firing"},
			},
		},
		{
			name: "exceeding limit drops every alert, resolving the firing ones",
			p:    MachineParams{Limit: 1, For: time.Minute},
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:pending"},
				{at: time.Minute, in: []Series{a(1)}, want: "a:firing", events: "firing:a"},
				{at: 2 * time.Minute, in: []Series{a(1), b(1)}, want: "", events: "resolved:a", err: "exceeded limit of 1 with 2 alerts"},
				{at: 3 * time.Minute, in: []Series{a(1)}, want: "a:pending"},
			},
		},
		{
			name: "limit counts alerts kept firing by keep_firing_for",
			p:    MachineParams{Limit: 1, KeepFiringFor: 5 * time.Minute},
			steps: []step{
				{at: 0, in: []Series{a(1)}, want: "a:firing", events: "firing:a"},
				{at: time.Minute, in: []Series{b(1)}, want: "", events: "resolved:a", err: "exceeded limit of 1 with 2 alerts"},
			},
		},
		{
			name: "severity rise is one alert, re-notified; a fall is not an event",
			steps: []step{
				{at: 0, in: []Series{series(0.91, "instance=a", "severity=warning")}, want: "a:firing/warning", events: "firing:a"},
				{at: time.Minute, in: []Series{series(0.97, "instance=a", "severity=critical")}, want: "a:firing/critical", events: "severity_raised:a"},
				{at: 2 * time.Minute, in: []Series{series(0.92, "instance=a", "severity=warning")}, want: "a:firing/warning"},
				{at: 3 * time.Minute, in: nil, want: "a:inactive(resolved)/warning", events: "resolved:a"},
			},
		},
		{
			name: "severity rise while pending is not an event",
			p:    MachineParams{For: 2 * time.Minute},
			steps: []step{
				{at: 0, in: []Series{series(0.91, "instance=a", "severity=warning")}, want: "a:pending/warning"},
				{at: time.Minute, in: []Series{series(0.97, "instance=a", "severity=critical")}, want: "a:pending/critical"},
				{at: 2 * time.Minute, in: []Series{series(0.97, "instance=a", "severity=critical")}, want: "a:firing/critical", events: "firing:a"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runSteps(t, tc.p, tc.steps)
		})
	}
}

func TestStepKeepsActiveAtAndTimes(t *testing.T) {
	p := MachineParams{RuleID: "r", For: time.Minute, KeepFiringFor: time.Minute}
	states := map[model.Fingerprint]*alert.Alert{}
	s := series(1, "instance=a")
	mustStep := func(in []Series, at time.Duration) StepResult {
		t.Helper()
		res, err := Step(states, in, t0.Add(at), p)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := mustStep([]Series{s}, 0)
	if len(res.Changed) != 1 || res.Changed[0].Key != (alert.Key{RuleID: "r", ID: s.ID}) {
		t.Fatalf("new alert not reported as changed with its key: %+v", res.Changed)
	}
	// Steady pending: nothing to store.
	if res := mustStep([]Series{s}, 30*time.Second); len(res.Changed) != 0 {
		t.Fatalf("steady pending reported %d changes", len(res.Changed))
	}
	mustStep([]Series{s}, time.Minute)
	a := states[s.ID]
	if !a.ActiveAt.Equal(t0) || !a.FiredAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("activeAt=%v firedAt=%v", a.ActiveAt, a.FiredAt)
	}
	// Steady firing: the value changes but nothing needs storing.
	s.Value = 5
	if res := mustStep([]Series{s}, 2*time.Minute); len(res.Changed) != 0 || a.Value != 5 {
		t.Fatalf("steady firing: changes=%d value=%v", len(res.Changed), a.Value)
	}
	mustStep(nil, 3*time.Minute)
	if !a.KeepFiringSince.Equal(t0.Add(3*time.Minute)) || a.State != alert.StateFiring {
		t.Fatalf("keepFiringSince=%v state=%v", a.KeepFiringSince, a.State)
	}
	res = mustStep(nil, 4*time.Minute)
	if a.State != alert.StateInactive || !a.ResolvedAt.Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("state=%v resolvedAt=%v", a.State, a.ResolvedAt)
	}
	if len(res.Events) != 1 || res.Events[0].Alert.State != alert.StateInactive {
		t.Fatalf("resolved event: %+v", res.Events)
	}
	// The event is a snapshot: later changes to the alert do not leak in.
	a.Labels["instance"] = "changed"
	if res.Events[0].Alert.Labels["instance"] != "a" {
		t.Fatal("event shares labels with the live alert")
	}
}

// BenchmarkStepSteadyState steps the state machine as the evaluator does,
// with the duplicate-detection set reused from one step to the next.
func BenchmarkStepSteadyState(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			in := make([]Series, n)
			for i := range in {
				in[i] = series(1, fmt.Sprintf("instance=%d", i))
			}
			states := map[model.Fingerprint]*alert.Alert{}
			seen := map[model.Fingerprint]struct{}{}
			p := MachineParams{For: time.Minute}
			if _, err := stepWith(states, in, t0, p, seen); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := stepWith(states, in, t0.Add(time.Duration(i+1)*time.Minute), p, seen); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/series")
		})
	}
}

// TestStepListsEachChangeOnce: an alert that is new (or changes) and fires
// in the same step is one change to store, not two: a storm of 100,000
// alerts with for: 0 stores 100,000 rows, not 200,000.
func TestStepListsEachChangeOnce(t *testing.T) {
	// for: 0, new series fire at once.
	states := map[model.Fingerprint]*alert.Alert{}
	in := []Series{series(1, "instance=a"), series(1, "instance=b")}
	res, err := Step(states, in, t0, MachineParams{RuleID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 2 || res.Changed[0] == res.Changed[1] || events(res.Events) != "firing:a,firing:b" {
		t.Fatalf("for 0: changed %d (%v), events %s; want each alert once, firing", len(res.Changed), res.Changed, events(res.Events))
	}
	// for: 1m, a pending alert whose labels change in the step it fires.
	p := MachineParams{RuleID: "r", For: time.Minute}
	states = map[model.Fingerprint]*alert.Alert{}
	s := series(1, "instance=a", "severity=warning")
	if _, err := Step(states, []Series{s}, t0, p); err != nil {
		t.Fatal(err)
	}
	s2 := series(1, "instance=a", "severity=critical")
	res, err = Step(states, []Series{s2}, t0.Add(time.Minute), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 1 || res.Changed[0].State != alert.StateFiring || res.Changed[0].Labels["severity"] != "critical" ||
		events(res.Events) != "firing:a" {
		t.Fatalf("label change and firing in one step: changed %+v, events %s", res.Changed, events(res.Events))
	}
}

// TestStepKeepsEqualAnnotations: annotations expanded afresh to the same
// text leave the alert its map (which the dispatcher may share); a new text
// replaces it.
func TestStepKeepsEqualAnnotations(t *testing.T) {
	states := map[model.Fingerprint]*alert.Alert{}
	s := series(1, "instance=a")
	s.Annotations = model.LabelSet{"summary": "at 1"}
	if _, err := Step(states, []Series{s}, t0, MachineParams{RuleID: "r"}); err != nil {
		t.Fatal(err)
	}
	held := states[s.ID].Annotations
	s.Annotations = model.LabelSet{"summary": "at 1"} // a new map, same text
	if _, err := Step(states, []Series{s}, t0.Add(time.Minute), MachineParams{RuleID: "r"}); err != nil {
		t.Fatal(err)
	}
	if got := states[s.ID].Annotations; reflect.ValueOf(got).UnsafePointer() != reflect.ValueOf(held).UnsafePointer() {
		t.Errorf("equal annotations replaced the alert's map")
	}
	s.Annotations = model.LabelSet{"summary": "at 2"}
	if _, err := Step(states, []Series{s}, t0.Add(2*time.Minute), MachineParams{RuleID: "r"}); err != nil {
		t.Fatal(err)
	}
	if got := states[s.ID].Annotations["summary"]; got != "at 2" {
		t.Errorf("changed annotation not taken: %q", got)
	}
}
