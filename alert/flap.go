package alert

import "time"

// Flap is an alert's recent history of state changes, from which flap
// detection (package flap) decides whether the alert is flapping, and
// whether it is now stable. It is stored with the alert, so that it
// survives restarts and failovers. A Flap is never modified in place: a
// change replaces it, so that copies of an alert (Clone) may share it.
type Flap struct {
	// Resolutions are the times of the alert's latest resolutions within
	// the flap detection window, oldest first, at most as many as the
	// configured cycles.
	Resolutions []time.Time
	// LastChange is when the alert last fired or resolved.
	LastChange time.Time
	// Since is when the alert began flapping; zero while it is not.
	Since time.Time
	// Incident is when the incident the flap belongs to began (Since),
	// kept after the flap ends for as long as the alert keeps firing, so
	// that the notification side treats the whole flap and its firing
	// aftermath as one incident (acknowledgements, escalation). Zero once
	// the alert resolved outside a flap.
	Incident time.Time
	// Ended is when the alert last stopped flapping (zero: never).
	Ended time.Time
}

// Flapping reports whether the alert is flapping: it changed state too
// often lately, and the notification side holds its fire and resolve
// transitions until it is stable again.
func (a *Alert) Flapping() bool { return a.Flap != nil && !a.Flap.Since.IsZero() }

// FlappingSince is when the alert began flapping; zero when it is not
// flapping.
func (a *Alert) FlappingSince() time.Time {
	if a.Flap == nil {
		return time.Time{}
	}
	return a.Flap.Since
}

// Ongoing reports whether the notification side takes the alert as an
// ongoing incident: it is firing, or it is flapping (whatever its state in
// this evaluation: a flapping alert that resolved for a moment is held as
// firing until it is stable).
func (a *Alert) Ongoing() bool { return a.State == StateFiring || a.Flapping() }

// IncidentStart is when the incident the alert is part of began firing:
// FiredAt, or, while the alert flaps (and afterwards, as long as it keeps
// firing), when the flap began. An acknowledgement covers one incident,
// so that one given during a flap holds across its fire and resolve
// transitions.
func (a *Alert) IncidentStart() time.Time {
	if a.Flap != nil && !a.Flap.Incident.IsZero() {
		return a.Flap.Incident
	}
	return a.FiredAt
}

// Held returns the alert as the notification side sees it: a flapping
// alert that is not firing at this moment is held as firing (its last
// resolution not told), so that receivers hear about the flap once and
// about its resolution once it is stable. Other alerts are returned as
// they are.
func (a *Alert) Held() *Alert {
	if a.State == StateFiring || !a.Flapping() {
		return a
	}
	h := *a
	h.State = StateFiring
	h.ResolvedAt = time.Time{}
	if h.FiredAt.IsZero() {
		h.FiredAt = a.Flap.Since
	}
	return &h
}
