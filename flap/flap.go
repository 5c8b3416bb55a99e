// Package flap decides when an alert is flapping: it fired and resolved
// more than a configured number of times within a window. While it flaps,
// the notification side holds its fire and resolve transitions (receivers
// are told once that it flaps), until it has been stable, with no state
// change, for a configured time; then they are told its state once.
//
// Everything here is a pure function of an alert's flap history
// (alert.Flap), a time and a Config: the evaluator's state machine calls
// it at each transition and at each evaluation, and stores the history
// with the alert, so that flap detection survives restarts and failovers.
// Prometheus's semantics are untouched: the alert still goes pending,
// fires and resolves as it would without flap detection; only what
// receivers are told changes.
package flap

import (
	"time"

	"github.com/alerter/alerter/alert"
)

// Defaults for the keys a flap_detection block leaves out.
const (
	DefaultCycles    = 4
	DefaultWindow    = time.Hour
	DefaultStableFor = 30 * time.Minute
)

// Config is flap detection for one rule. The zero Config disables it.
type Config struct {
	// Cycles: an alert that fires again after Cycles fire/resolve cycles
	// within Window (that is, more than Cycles cycles) is flapping. 0
	// disables flap detection.
	Cycles int
	// Window is how far back cycles are counted.
	Window time.Duration
	// StableFor is how long a flapping alert must go without firing or
	// resolving to be stable again.
	StableFor time.Duration
}

// Enabled reports whether c detects flaps.
func (c Config) Enabled() bool { return c.Cycles > 0 && c.Window > 0 && c.StableFor > 0 }

// Fired records that the alert fired at ts and returns its new history;
// began reports that the alert began flapping at ts: it had resolved
// Cycles times within Window before firing again. With c disabled, f is
// returned unchanged.
func Fired(f *alert.Flap, ts time.Time, c Config) (next *alert.Flap, began bool) {
	if !c.Enabled() {
		return f, false
	}
	n := copyOf(f)
	n.Resolutions = recent(n.Resolutions, ts, c)
	n.LastChange = ts
	if n.Since.IsZero() && len(n.Resolutions) >= c.Cycles {
		n.Since, n.Incident = ts, ts
		began = true
	}
	return n, began
}

// Resolved records that the alert resolved at ts and returns its new
// history. A resolution outside a flap ends the incident (see
// alert.Flap.Incident). With c disabled, f is returned unchanged.
func Resolved(f *alert.Flap, ts time.Time, c Config) *alert.Flap {
	if !c.Enabled() {
		return f
	}
	n := copyOf(f)
	n.Resolutions = recent(append(n.Resolutions, ts), ts, c)
	n.LastChange = ts
	if n.Since.IsZero() {
		n.Incident = time.Time{}
	}
	return n
}

// Settle ends a flap that has been stable for StableFor at ts (or at
// once, when c no longer detects flaps: a reload disabled it); firing
// says whether the alert fires now, in which case the incident goes on.
// It returns the new history and whether the flap ended; f is returned
// unchanged when it did not.
func Settle(f *alert.Flap, ts time.Time, firing bool, c Config) (next *alert.Flap, ended bool) {
	if f == nil || f.Since.IsZero() {
		return f, false
	}
	if c.Enabled() && ts.Sub(f.LastChange) < c.StableFor {
		return f, false
	}
	n := copyOf(f)
	n.Since, n.Ended = time.Time{}, ts
	if !firing {
		n.Incident = time.Time{}
	}
	return n, true
}

// End ends a flap at once (the alert is forgotten: its rule was removed
// or exceeded its limit) and returns the new history.
func End(f *alert.Flap, ts time.Time) *alert.Flap {
	if f == nil || f.Since.IsZero() && f.Incident.IsZero() {
		return f
	}
	n := copyOf(f)
	n.Since, n.Incident, n.Ended = time.Time{}, time.Time{}, ts
	return n
}

// Keep reports whether an alert that is not firing must still be kept at
// ts for its flap history: it is flapping, a resolution within Window
// would count towards a flap if it fired again, or its flap ended less
// than retention ago (so that its resolution is still delivered after a
// restart, as for any resolved alert).
func Keep(f *alert.Flap, ts time.Time, c Config, retention time.Duration) bool {
	if f == nil {
		return false
	}
	if !f.Since.IsZero() || !f.Ended.IsZero() && ts.Sub(f.Ended) <= retention {
		return true
	}
	if !c.Enabled() || len(f.Resolutions) == 0 {
		return false
	}
	return ts.Sub(f.Resolutions[len(f.Resolutions)-1]) < c.Window
}

// copyOf returns a copy of f (an empty history for nil) whose slice is its
// own.
func copyOf(f *alert.Flap) *alert.Flap {
	if f == nil {
		return &alert.Flap{}
	}
	n := *f
	n.Resolutions = append([]time.Time(nil), f.Resolutions...)
	return &n
}

// recent keeps the resolutions within Window before ts, at most Cycles of
// them (the latest).
func recent(rs []time.Time, ts time.Time, c Config) []time.Time {
	i := 0
	for i < len(rs) && ts.Sub(rs[i]) >= c.Window {
		i++
	}
	rs = rs[i:]
	if len(rs) > c.Cycles {
		rs = rs[len(rs)-c.Cycles:]
	}
	if len(rs) == 0 {
		return nil
	}
	return rs
}
