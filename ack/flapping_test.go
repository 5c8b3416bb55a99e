package ack_test

import (
	"context"
	"testing"
	"time"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/flap"
)

// TestFlappingIsOneIncident: an acknowledgement given while an alert
// flaps holds across its resolutions and new firings, and after the flap
// for as long as the alert keeps firing; it ends when the alert resolves
// once stable.
func TestFlappingIsOneIncident(t *testing.T) {
	k, _ := open(t, t.TempDir())
	cfg := flap.Config{Cycles: 1, Window: time.Hour, StableFor: 10 * time.Minute}
	a := firing("a")
	a.Flap = flap.Resolved(nil, t0.Add(-30*time.Second), cfg)
	a.FiredAt = t0
	var began bool
	a.Flap, began = flap.Fired(a.Flap, t0, cfg)
	if !began {
		t.Fatal("not flapping")
	}
	// Acknowledged while it flaps, resolved at the moment: still covered.
	resolved := a.Clone()
	resolved.State, resolved.ResolvedAt = alert.StateInactive, t0.Add(time.Minute)
	resolved.Flap = flap.Resolved(a.Flap, t0.Add(time.Minute), cfg)
	sel := ack.Select([]*alert.Alert{resolved}, nil, nil)
	if len(sel) != 1 {
		t.Fatalf("Select skipped the flapping alert held as firing: %v", sel)
	}
	got, err := k.Create(context.Background(), ack.Request{By: "alice"}, sel, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Targets[0].FiredAt.Equal(t0) {
		t.Errorf("target = %v, want the incident's start", got.Targets[0].FiredAt)
	}
	at := t0.Add(3 * time.Minute)
	if _, ok := k.Acknowledged(resolved, at); !ok {
		t.Error("a flapping alert, resolved for now, is not acknowledged")
	}
	// It fires again, still flapping: the same incident.
	again := resolved.Clone()
	again.State, again.FiredAt, again.ResolvedAt = alert.StateFiring, t0.Add(4*time.Minute), time.Time{}
	again.Flap, _ = flap.Fired(resolved.Flap, again.FiredAt, cfg)
	if _, ok := k.Acknowledged(again, t0.Add(5*time.Minute)); !ok {
		t.Error("the flapping alert, firing again, is not acknowledged")
	}
	// Stable and firing: the incident goes on.
	stable := again.Clone()
	stable.Flap, _ = flap.Settle(again.Flap, t0.Add(20*time.Minute), true, cfg)
	if stable.Flapping() {
		t.Fatal("still flapping")
	}
	if _, ok := k.Acknowledged(stable, t0.Add(21*time.Minute)); !ok {
		t.Error("the alert, stable and still firing, is not acknowledged")
	}
	if n, err := k.GC(context.Background(), []*alert.Alert{stable}, t0.Add(22*time.Minute)); err != nil || n != 0 || k.List()[0].EndedAt != (time.Time{}) {
		t.Errorf("GC ended the acknowledgement of an ongoing incident: %d %v %+v", n, err, k.List()[0])
	}
	// Resolved once stable: over. Fired again later: a new incident.
	over := stable.Clone()
	over.State, over.ResolvedAt = alert.StateInactive, t0.Add(30*time.Minute)
	over.Flap = flap.Resolved(stable.Flap, over.ResolvedAt, cfg)
	if _, ok := k.Acknowledged(over, t0.Add(31*time.Minute)); ok {
		t.Error("a resolved alert is acknowledged")
	}
	next := over.Clone()
	next.State, next.FiredAt, next.ResolvedAt = alert.StateFiring, t0.Add(2*time.Hour), time.Time{}
	next.Flap, _ = flap.Fired(over.Flap, next.FiredAt, flap.Config{Cycles: 5, Window: time.Hour, StableFor: time.Minute})
	if _, ok := k.Acknowledged(next, t0.Add(2*time.Hour)); ok {
		t.Error("a new incident is acknowledged")
	}
}
