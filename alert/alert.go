// Package alert holds the plain value types that flow from the evaluator to
// the state store and on to the notifiers: an alert instance, its state and
// the events its transitions produce. It imports no other package of the
// project so that every stage can share these types without depending on
// one another.
package alert

import (
	"time"

	"github.com/prometheus/common/model"
)

// State is where an alert instance stands, with Prometheus's meaning.
type State uint8

// The alert states. Inactive with a non-zero ResolvedAt means "resolved and
// kept for a while so that the resolution is delivered".
const (
	StateInactive State = iota
	StatePending
	StateFiring
)

// String returns the state's name as Prometheus's API spells it.
func (s State) String() string {
	switch s {
	case StatePending:
		return "pending"
	case StateFiring:
		return "firing"
	default:
		return "inactive"
	}
}

// Key identifies one alert instance across evaluations, restarts and
// reloads: the rule it belongs to and the fingerprint of its identity
// labels (its labels without the computed severity label, see
// rules.Rule.Severities).
type Key struct {
	RuleID string
	ID     model.Fingerprint
}

// Alert is one alert instance of a rule. Times are zero when unset.
type Alert struct {
	Key         Key
	Labels      model.LabelSet
	Annotations model.LabelSet
	State       State
	Value       float64
	// GeneratorURL links to the query that produced the alert.
	GeneratorURL string

	// ActiveAt is when the condition first held (pending began).
	ActiveAt time.Time
	// FiredAt is when the alert went from pending to firing.
	FiredAt time.Time
	// ResolvedAt is when a firing alert went inactive.
	ResolvedAt time.Time
	// KeepFiringSince is the first evaluation at which a firing alert's
	// condition stopped holding while keep_firing_for carries it.
	KeepFiringSince time.Time
	// LastEvalAt is the last evaluation that saw this alert.
	LastEvalAt time.Time
	// SeverityRaisedAt is when the severity label last rose.
	SeverityRaisedAt time.Time
	// EndsAt is set on pushed alerts only (see PushedRuleID): the time at
	// which a firing alert resolves unless its sender pushes it again, as
	// Alertmanager's endsAt.
	EndsAt time.Time
	// Flap is the alert's recent fire and resolve history for flap
	// detection (see package flap); nil when there is nothing to keep.
	Flap *Flap
}

// PushedRuleID is the Key.RuleID of alerts pushed to alerter's API (by
// Prometheus servers pointed at alerter as their Alertmanager) instead of
// evaluated from a rule. Rule IDs always hold a ";" (see rules.Rule.ID), so
// none can collide with it. Their Key.ID is the fingerprint of their labels.
const PushedRuleID = "<pushed>"

// Pushed reports whether the key is a pushed alert's.
func (k Key) Pushed() bool { return k.RuleID == PushedRuleID }

// Severity returns the alert's severity label.
func (a *Alert) Severity() string { return string(a.Labels["severity"]) }

// Fingerprint is the Alertmanager-compatible fingerprint of the alert's
// full label set.
func (a *Alert) Fingerprint() model.Fingerprint { return a.Labels.Fingerprint() }

// Clone returns a deep copy, so that a snapshot handed downstream cannot be
// changed by the evaluator afterwards. Flap is shared: it is never
// modified in place.
func (a *Alert) Clone() *Alert {
	c := *a
	c.Labels = a.Labels.Clone()
	c.Annotations = a.Annotations.Clone()
	return &c
}

// EventKind says why an event was emitted.
type EventKind uint8

// Event kinds.
const (
	// EventFiring: the alert went from pending to firing.
	EventFiring EventKind = iota + 1
	// EventResolved: a firing alert resolved.
	EventResolved
	// EventSeverityRaised: a firing alert's severity rose.
	EventSeverityRaised
	// EventFlapping: the alert began flapping (see Alert.Flapping). It
	// follows the firing event that made it flap.
	EventFlapping
	// EventStable: a flapping alert has been stable long enough; its
	// snapshot is its state now, firing or resolved.
	EventStable
)

// String names the event kind.
func (k EventKind) String() string {
	switch k {
	case EventFiring:
		return "firing"
	case EventResolved:
		return "resolved"
	case EventSeverityRaised:
		return "severity_raised"
	case EventFlapping:
		return "flapping"
	case EventStable:
		return "stable"
	default:
		return "unknown"
	}
}

// Event is one transition that the notification side must hear about.
// It carries a snapshot of the alert as it was when the event happened.
type Event struct {
	// ID is assigned by the state store when the event is recorded.
	ID    int64
	Kind  EventKind
	At    time.Time
	Alert Alert
	// PrevSeverity is set for EventSeverityRaised.
	PrevSeverity string
}

// Status is "firing" or "resolved", as in Alertmanager's payloads.
func (e *Event) Status() string {
	if e.Kind == EventResolved || e.Alert.State != StateFiring && !e.Alert.Flapping() {
		return "resolved"
	}
	return "firing"
}
