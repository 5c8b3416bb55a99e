package flap

import (
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
)

var t0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

var cfg = Config{Cycles: 3, Window: time.Hour, StableFor: 30 * time.Minute}

// cycle fires at fire and resolves at resolve, checking that it did not
// begin flapping when want is false.
func cycle(t *testing.T, f *alert.Flap, fire, resolve int, c Config) *alert.Flap {
	t.Helper()
	f, began := Fired(f, at(fire), c)
	if began {
		t.Fatalf("began flapping at minute %d, too early", fire)
	}
	return Resolved(f, at(resolve), c)
}

func TestFlappingBeginsAfterCycles(t *testing.T) {
	var f *alert.Flap
	for i := range 3 {
		f = cycle(t, f, i*10, i*10+5, cfg)
	}
	if len(f.Resolutions) != 3 || f.Since != (time.Time{}) {
		t.Fatalf("after 3 cycles: %+v", f)
	}
	f, began := Fired(f, at(30), cfg)
	if !began || !f.Since.Equal(at(30)) || !f.Incident.Equal(at(30)) {
		t.Fatalf("4th firing: began=%v %+v", began, f)
	}
	// Already flapping: no second start.
	f = Resolved(f, at(35), cfg)
	if f.Incident != at(30) {
		t.Fatalf("a resolution while flapping ended the incident: %+v", f)
	}
	f, began = Fired(f, at(40), cfg)
	if began || !f.Since.Equal(at(30)) {
		t.Fatalf("5th firing: began=%v since=%v", began, f.Since)
	}
	if len(f.Resolutions) > cfg.Cycles {
		t.Fatalf("history not bounded: %d resolutions", len(f.Resolutions))
	}
}

func TestOldResolutionsDoNotCount(t *testing.T) {
	var f *alert.Flap
	// Three cycles, but the first resolves more than an hour before the
	// fourth firing.
	f = cycle(t, f, 0, 5, cfg)
	f = cycle(t, f, 30, 35, cfg)
	f = cycle(t, f, 50, 55, cfg)
	f, began := Fired(f, at(66), cfg)
	if began {
		t.Fatalf("began flapping with a resolution 61 minutes old: %+v", f)
	}
	if len(f.Resolutions) != 2 {
		t.Fatalf("resolutions = %v, want the 2 within the window", f.Resolutions)
	}
}

func TestSettle(t *testing.T) {
	var f *alert.Flap
	for i := range 3 {
		f = cycle(t, f, i*10, i*10+5, cfg)
	}
	f, _ = Fired(f, at(30), cfg)
	if g, ended := Settle(f, at(59), true, cfg); ended || g != f {
		t.Fatalf("settled after 29 minutes")
	}
	g, ended := Settle(f, at(60), true, cfg)
	if !ended || !g.Since.IsZero() || !g.Ended.Equal(at(60)) || !g.Incident.Equal(at(30)) {
		t.Fatalf("stable while firing: ended=%v %+v", ended, g)
	}
	if f.Since.IsZero() {
		t.Fatal("Settle modified its input")
	}
	// Stable while resolved: the incident is over.
	f = Resolved(f, at(31), cfg)
	g, ended = Settle(f, at(61), false, cfg)
	if !ended || !g.Incident.IsZero() {
		t.Fatalf("stable while resolved: ended=%v %+v", ended, g)
	}
	// A change restarts the stable clock.
	f, _ = Fired(f, at(50), cfg)
	if _, ended := Settle(f, at(61), true, cfg); ended {
		t.Fatal("settled 11 minutes after a change")
	}
	// The firing incident ends with its next resolution.
	g, _ = Settle(f, at(80), true, cfg)
	g = Resolved(g, at(90), cfg)
	if !g.Incident.IsZero() {
		t.Fatalf("a resolution after the flap kept the incident: %+v", g)
	}
}

func TestDisabled(t *testing.T) {
	var f *alert.Flap
	for i := range 5 {
		var began bool
		f, began = Fired(f, at(i*2), Config{})
		f = Resolved(f, at(i*2+1), Config{})
		if began || f != nil {
			t.Fatalf("disabled detection kept history: %+v", f)
		}
	}
	// A reload that disables detection ends a flap at the next settle.
	flapping := &alert.Flap{Since: t0, Incident: t0, LastChange: at(1)}
	g, ended := Settle(flapping, at(2), true, Config{})
	if !ended || !g.Since.IsZero() {
		t.Fatalf("disabled detection did not end the flap: %+v", g)
	}
}

func TestEndAndKeep(t *testing.T) {
	f := &alert.Flap{Since: t0, Incident: t0, LastChange: at(5), Resolutions: []time.Time{at(5)}}
	if !Keep(f, at(500), cfg, 15*time.Minute) {
		t.Fatal("a flapping alert must be kept")
	}
	e := End(f, at(10))
	if !e.Since.IsZero() || !e.Incident.IsZero() || !e.Ended.Equal(at(10)) {
		t.Fatalf("End: %+v", e)
	}
	if !Keep(e, at(25), cfg, 15*time.Minute) {
		t.Fatal("kept less than the retention after its flap ended")
	}
	if !Keep(e, at(64), cfg, 15*time.Minute) {
		t.Fatal("a resolution within the window must be kept")
	}
	if Keep(e, at(66), cfg, 15*time.Minute) {
		t.Fatal("kept past both the window and the retention")
	}
	if Keep(nil, at(0), cfg, time.Hour) {
		t.Fatal("nil history kept")
	}
}

func TestEnabled(t *testing.T) {
	for _, c := range []Config{{}, {Cycles: 1}, {Cycles: 1, Window: time.Minute}, {Window: time.Minute, StableFor: time.Minute}} {
		if c.Enabled() {
			t.Errorf("%+v enabled", c)
		}
	}
	if !cfg.Enabled() {
		t.Error("cfg disabled")
	}
}
