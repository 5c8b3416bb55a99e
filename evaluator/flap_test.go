package evaluator

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/flap"
	"github.com/alerter/alerter/rules"
)

var flapParams = MachineParams{RuleID: "r", Flap: flap.Config{Cycles: 2, Window: time.Hour, StableFor: 10 * time.Minute}}

// flapRun steps the machine once a minute; up says at which minutes the
// series of instance a is active. It returns the events of each minute
// and the states.
func flapRun(t *testing.T, p MachineParams, minutes int, up func(m int) bool) ([][]*alert.Event, map[model.Fingerprint]*alert.Alert) {
	t.Helper()
	states := map[model.Fingerprint]*alert.Alert{}
	out := make([][]*alert.Event, minutes)
	for m := range minutes {
		var in []Series
		if up(m) {
			in = []Series{series(1, "instance=a")}
		}
		res, err := Step(states, in, t0.Add(time.Duration(m)*time.Minute), p)
		if err != nil {
			t.Fatal(err)
		}
		out[m] = res.Events
	}
	return out, states
}

func flapKinds(evs []*alert.Event) string {
	s := ""
	for _, e := range evs {
		if s != "" {
			s += ","
		}
		s += e.Kind.String()
		if e.Alert.Flapping() {
			s += "(flapping)"
		}
		if e.Kind == alert.EventStable {
			s += "/" + e.Alert.State.String()
		}
	}
	return s
}

func TestStepFlapDetection(t *testing.T) {
	// Up on even minutes up to 10, then up for good.
	up := func(m int) bool { return m%2 == 0 || m > 10 }
	evs, states := flapRun(t, flapParams, 30, up)
	want := map[int]string{
		0: "firing", 1: "resolved", 2: "firing", 3: "resolved",
		// The third firing after two cycles within the hour: flapping.
		4: "firing(flapping),flapping(flapping)",
		5: "resolved(flapping)", 6: "firing(flapping)", 7: "resolved(flapping)", 8: "firing(flapping)",
		9: "resolved(flapping)", 10: "firing(flapping)",
		// Firing since minute 10, unchanged for stable_for: stable.
		20: "stable/firing",
	}
	for m, got := range evs {
		if k := flapKinds(got); k != want[m] {
			t.Errorf("minute %d: events %q, want %q", m, k, want[m])
		}
	}
	a := states[series(1, "instance=a").ID]
	if a.Flapping() || a.State != alert.StateFiring {
		t.Fatalf("after: %+v", a)
	}
	// The incident goes on while it fires: an acknowledgement of the
	// flap still covers it.
	if !a.IncidentStart().Equal(t0.Add(4 * time.Minute)) {
		t.Errorf("IncidentStart = %v, want the flap's start", a.IncidentStart())
	}
}

func TestStepFlapStableWhileResolved(t *testing.T) {
	p := flapParams
	p.ResolvedRetention = 5 * time.Minute
	// Flaps, then down for good from minute 7.
	up := func(m int) bool { return m < 7 && m%2 == 0 }
	evs, states := flapRun(t, p, 120, up)
	if k := flapKinds(evs[4]); k != "firing(flapping),flapping(flapping)" {
		t.Fatalf("minute 4: %q", k)
	}
	if k := flapKinds(evs[7]); k != "resolved(flapping)" {
		t.Fatalf("minute 7: %q", k)
	}
	// Resolved at 7, stable 10 minutes later; its snapshot is resolved.
	if k := flapKinds(evs[17]); k != "stable/inactive" {
		t.Fatalf("minute 17: %q", k)
	}
	if st := evs[17][0].Alert; !st.ResolvedAt.Equal(t0.Add(7*time.Minute)) || st.Ongoing() {
		t.Errorf("stable snapshot: %+v", st)
	}
	// Kept while the flap is recent (the window and the retention after
	// the flap ended), then forgotten.
	if len(states) != 0 {
		t.Errorf("states after two hours: %d, want none", len(states))
	}
	_, states = flapRun(t, p, 60, up)
	if len(states) != 1 {
		t.Errorf("states within the window: %d, want the resolved record", len(states))
	}
}

func TestStepFlapPendingIsHeld(t *testing.T) {
	p := flapParams
	p.For = 2 * time.Minute
	// Up 3 minutes, down 1: fires at the third minute of each run.
	up := func(m int) bool { return m < 16 && m%4 != 3 }
	evs, states := flapRun(t, p, 40, up)
	want := map[int]string{2: "firing", 3: "resolved", 6: "firing", 7: "resolved",
		10: "firing(flapping),flapping(flapping)", 11: "resolved(flapping)", 14: "firing(flapping)", 15: "resolved(flapping)",
		// Down from 15 (the pending alert of minute 16 never was):
		// stable at 25, told as resolved.
		25: "stable/inactive"}
	for m, got := range evs {
		if k := flapKinds(got); k != want[m] {
			t.Errorf("minute %d: events %q, want %q", m, k, want[m])
		}
	}
	if len(states) != 1 {
		t.Fatalf("states: %v", snapshot(states))
	}

	// A pending alert that goes away while flapping is kept as the
	// resolved record it came from, flap history and all.
	states = map[model.Fingerprint]*alert.Alert{}
	for m := range 13 {
		var in []Series
		if up(m) {
			in = []Series{series(1, "instance=a")}
		}
		if _, err := Step(states, in, t0.Add(time.Duration(m)*time.Minute), p); err != nil {
			t.Fatal(err)
		}
	}
	a := states[series(1, "instance=a").ID]
	if a.State != alert.StatePending || !a.Flapping() {
		t.Fatalf("minute 12: %+v", a)
	}
	res, _ := Step(states, nil, t0.Add(13*time.Minute), p)
	a = states[series(1, "instance=a").ID]
	if a == nil || a.State != alert.StateInactive || !a.Flapping() || !a.ResolvedAt.Equal(t0.Add(11*time.Minute)) || len(res.Events) != 0 {
		t.Fatalf("pending flapping alert that went away: %+v, events %v", a, flapKinds(res.Events))
	}
}

func TestStepFlapHistoryOutlivesRetention(t *testing.T) {
	p := flapParams
	p.ResolvedRetention = 5 * time.Minute
	// Cycles 20 minutes apart: each resolved record outlives the
	// retention, within the window.
	up := func(m int) bool { return m%20 == 0 }
	evs, _ := flapRun(t, p, 41, up)
	if k := flapKinds(evs[40]); k != "firing(flapping),flapping(flapping)" {
		t.Fatalf("third firing: %q", k)
	}
	p.Flap = flap.Config{}
	evs, states := flapRun(t, p, 41, up)
	if k := flapKinds(evs[40]); k != "firing" {
		t.Fatalf("without flap detection: %q", k)
	}
	if a := states[series(1, "instance=a").ID]; a.Flap != nil {
		t.Errorf("flap history kept without flap detection: %+v", a.Flap)
	}
}

func TestDropAllResolvesHeldAlerts(t *testing.T) {
	up := func(m int) bool { return m < 6 && m%2 == 0 }
	_, states := flapRun(t, flapParams, 6, up)
	a := states[series(1, "instance=a").ID]
	if a.State != alert.StateInactive || !a.Flapping() {
		t.Fatalf("minute 5: %+v", a)
	}
	res := dropAll(states, t0.Add(6*time.Minute))
	if len(res.Events) != 1 || res.Events[0].Kind != alert.EventResolved || res.Events[0].Alert.Ongoing() {
		t.Fatalf("dropAll of a held alert: %v %+v", flapKinds(res.Events), res.Events)
	}
}

func TestFlapConfigLevels(t *testing.T) {
	n := func(i int) *int { return &i }
	d := func(x time.Duration) *time.Duration { return &x }
	tests := []struct {
		name                string
		global, group, rule *rules.FlapDetection
		want                flap.Config
	}{
		{"off everywhere", nil, nil, nil, flap.Config{}},
		{"global defaults", &rules.FlapDetection{}, nil, nil, flap.Config{Cycles: 4, Window: time.Hour, StableFor: 30 * time.Minute}},
		{"group over global", &rules.FlapDetection{Cycles: n(6)}, &rules.FlapDetection{Window: d(time.Minute)}, nil,
			flap.Config{Cycles: 6, Window: time.Minute, StableFor: 30 * time.Minute}},
		{"rule turns it off", &rules.FlapDetection{}, nil, &rules.FlapDetection{Cycles: n(0)}, flap.Config{}},
		{"rule turns it on", nil, nil, &rules.FlapDetection{StableFor: d(time.Hour)}, flap.Config{Cycles: 4, Window: time.Hour, StableFor: time.Hour}},
	}
	for _, tt := range tests {
		if got := flapConfig(tt.global, tt.group, tt.rule); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
