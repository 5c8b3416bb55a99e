package alert

import (
	"testing"
	"time"
)

func TestFlapViews(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	firing := &Alert{State: StateFiring, FiredAt: t0}
	if firing.Flapping() || !firing.Ongoing() || firing.Held() != firing || !firing.IncidentStart().Equal(t0) {
		t.Errorf("a firing alert: %+v", firing)
	}
	resolved := &Alert{State: StateInactive, FiredAt: t0, ResolvedAt: t0.Add(time.Minute)}
	if resolved.Ongoing() || resolved.Held() != resolved {
		t.Errorf("a resolved alert is ongoing")
	}
	flap := &Flap{Since: t0.Add(time.Hour), Incident: t0.Add(time.Hour)}
	held := &Alert{State: StateInactive, FiredAt: t0.Add(2 * time.Hour), ResolvedAt: t0.Add(3 * time.Hour), Flap: flap}
	h := held.Held()
	if !held.Ongoing() || h == held || h.State != StateFiring || !h.ResolvedAt.IsZero() || !h.FiredAt.Equal(held.FiredAt) || !h.Flapping() {
		t.Errorf("a flapping alert held as firing: %+v", h)
	}
	if held.State != StateInactive {
		t.Error("Held modified the alert")
	}
	if !held.IncidentStart().Equal(t0.Add(time.Hour)) || !held.FlappingSince().Equal(t0.Add(time.Hour)) {
		t.Errorf("incident %v, since %v", held.IncidentStart(), held.FlappingSince())
	}
	pending := &Alert{State: StatePending, Flap: flap}
	if p := pending.Held(); p.State != StateFiring || !p.FiredAt.Equal(flap.Since) {
		t.Errorf("a pending flapping alert held: %+v", p)
	}
	stable := &Alert{State: StateFiring, FiredAt: t0.Add(2 * time.Hour), Flap: &Flap{Incident: t0.Add(time.Hour)}}
	if stable.Flapping() || !stable.IncidentStart().Equal(t0.Add(time.Hour)) {
		t.Errorf("stable, still firing: the incident goes on: %v", stable.IncidentStart())
	}
	for _, e := range []struct {
		ev   Event
		want string
	}{
		{Event{Kind: EventFiring, Alert: *firing}, "firing"},
		{Event{Kind: EventResolved, Alert: *held}, "resolved"},
		{Event{Kind: EventFlapping, Alert: *firing}, "firing"},
		{Event{Kind: EventStable, Alert: *resolved}, "resolved"},
		{Event{Kind: EventStable, Alert: *stable}, "firing"},
	} {
		if got := e.ev.Status(); got != e.want {
			t.Errorf("%s event status %s, want %s", e.ev.Kind, got, e.want)
		}
	}
	if EventFlapping.String() != "flapping" || EventStable.String() != "stable" {
		t.Error("event kind names")
	}
}
