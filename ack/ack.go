// Package ack holds acknowledgements: someone said "I am on it" for one or
// more firing alerts. An acknowledged alert stops repeating and escalating
// (package notifiers asks through its Acknowledger interface, which Acks
// satisfies); the acknowledgement ends when the alert resolves, when its
// severity rises, or when it expires.
//
// An acknowledgement names the alert instances it covers, each with the
// time it fired: an alert that resolves and fires again is a new incident
// that nobody has acknowledged yet. A flapping alert is one incident from
// when its flap began (alert.Alert.IncidentStart) for as long as it flaps
// and keeps firing after: an acknowledgement given during the flap holds
// across its fire and resolve transitions.
package ack

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/matcher"
)

// Ack is one acknowledgement, as created through the API.
type Ack struct {
	alert.Ack
	// Matchers are those it was requested with, if any (the API also
	// accepts a fingerprint).
	Matchers matcher.Matchers
	// Targets are the alerts it covers.
	Targets []Target
	// EndedAt is when none of its alerts was acknowledged by it any more
	// (seen by GC); it is deleted Retention later.
	EndedAt time.Time
}

// Target is one acknowledged alert instance.
type Target struct {
	Key alert.Key
	// Fingerprint is the alert's label fingerprint when acknowledged
	// (the API's alert fingerprint).
	Fingerprint model.Fingerprint
	// FiredAt identifies the incident that was acknowledged: when it
	// began firing (alert.Alert.IncidentStart).
	FiredAt time.Time
}

// Covers reports whether the acknowledgement holds for a at now: a is the
// same alert instance, still in the incident that was acknowledged (firing
// or flapping), its severity has not risen since, and the acknowledgement
// has not expired.
func (k *Ack) Covers(a *alert.Alert, now time.Time) bool {
	if !a.Ongoing() || k.Expired(now) || a.SeverityRaisedAt.After(k.At) {
		return false
	}
	start := a.IncidentStart()
	for _, t := range k.Targets {
		if t.Key == a.Key && t.FiredAt.Equal(start) {
			return true
		}
	}
	return false
}

// Expired reports whether the acknowledgement's expiry has passed.
func (k *Ack) Expired(now time.Time) bool {
	return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)
}

// Status is an acknowledgement's state for the API: "active" while it
// covers at least one of the given current alerts, "expired" after its
// expiry, and "ended" once its alerts resolved or rose in severity.
func (k *Ack) Status(current []*alert.Alert, now time.Time) string {
	if k.Expired(now) {
		return "expired"
	}
	for _, a := range current {
		if k.Covers(a, now) {
			return "active"
		}
	}
	return "ended"
}
