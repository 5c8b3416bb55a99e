package evaluator

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/flap"
)

// DefaultResolvedRetention is how long a resolved alert is kept, as in
// Prometheus, so that the resolution can still be delivered and seen.
const DefaultResolvedRetention = 15 * time.Minute

// ErrDuplicateLabelSet is returned when two series of one evaluation map to
// the same alert; as in Prometheus, the evaluation fails and state is kept.
var ErrDuplicateLabelSet = errors.New("vector contains metrics with the same labelset after applying alert labels")

// LimitError is returned when a rule produces more alerts than its group's
// limit allows; as in Prometheus, all the rule's alerts are dropped.
type LimitError struct{ Limit, Got int }

func (e *LimitError) Error() string {
	return fmt.Sprintf("exceeded limit of %d with %d alerts", e.Limit, e.Got)
}

// Series is one series that is active in this evaluation, already reduced
// to what the state machine needs.
type Series struct {
	// ID is the fingerprint of the identity labels (labels without the
	// computed severity, for rules with severities).
	ID model.Fingerprint
	// Labels are the alert's full labels, severity included.
	Labels      model.LabelSet
	Annotations model.LabelSet
	Value       float64
	// Rank orders severities: lower is more severe. Zero when the rule has
	// no severities.
	Rank int
}

// MachineParams are the rule settings the state machine obeys.
type MachineParams struct {
	RuleID            string
	For               time.Duration
	KeepFiringFor     time.Duration
	ResolvedRetention time.Duration
	Limit             int
	// SeverityRank maps a severity to its rank (lower is more severe); nil
	// for rules without severities.
	SeverityRank func(string) int
	// GeneratorURL is stamped on new alerts.
	GeneratorURL string
	// Flap is the rule's flap detection (the zero Config: off).
	Flap flap.Config
}

// StepResult is what one step changed: the alerts whose stored record
// changed, the ones to forget, and the events to deliver.
type StepResult struct {
	Changed []*alert.Alert
	Deleted []alert.Key
	Events  []*alert.Event
	// Active counts pending and firing alerts after the step.
	Active int
}

// Step advances one rule's alerts from their previous state with this
// evaluation's active series at ts. It follows Prometheus's alerting rule
// semantics: a new label set is pending with ActiveAt = ts and fires once
// ts - ActiveAt >= For; a pending alert that goes inactive is dropped; a
// firing one is carried by KeepFiringFor and then resolves; resolved alerts
// are kept for ResolvedRetention.
//
// With flap detection (MachineParams.Flap), each alert's fire and resolve
// times are kept in its flap history (alert.Flap), carried from one of its
// records to the next; an alert that begins flapping gets an
// EventFlapping after its EventFiring, and one that has been stable for
// long enough an EventStable. Alerts whose history still matters (see
// flap.Keep) are kept as resolved records instead of being dropped.
//
// Step reads no clock and does no I/O: given the same inputs it produces the
// same result. It updates states in place (the caller owns the map) so that
// the steady state allocates nothing; on error states is left untouched,
// except for LimitError, where, as in Prometheus, every alert is dropped.
func Step(states map[model.Fingerprint]*alert.Alert, in []Series, ts time.Time, p MachineParams) (StepResult, error) {
	return stepWith(states, in, ts, p, nil)
}

// stepWith is Step with a set for duplicate detection that the caller reuses
// from one step to the next (nil: a new one when needed).
func stepWith(states map[model.Fingerprint]*alert.Alert, in []Series, ts time.Time, p MachineParams, seen map[model.Fingerprint]struct{}) (StepResult, error) {
	var res StepResult
	if hasDuplicates(in, seen) {
		return res, ErrDuplicateLabelSet
	}
	retention := p.ResolvedRetention
	if retention == 0 {
		retention = DefaultResolvedRetention
	}

	// The series seen this time, by ID, are marked with LastEvalAt == ts.
	for i := range in {
		s := &in[i]
		a := states[s.ID]
		if a != nil && a.State != alert.StateInactive {
			a.Value = s.Value
			if !sameLabels(a.Annotations, s.Annotations) {
				// Equal: keep the map the alert has, which the dispatcher
				// of this process may share (templated annotations are
				// expanded afresh every evaluation).
				a.Annotations = s.Annotations
			}
			a.LastEvalAt = ts
			changed := false
			if !a.KeepFiringSince.IsZero() {
				a.KeepFiringSince = time.Time{}
				changed = true
			}
			if !sameLabels(a.Labels, s.Labels) {
				prevSev := a.Severity()
				a.Labels = s.Labels
				changed = true
				if p.SeverityRank != nil && a.State == alert.StateFiring && s.Rank < p.SeverityRank(prevSev) {
					a.SeverityRaisedAt = ts
					res.Events = append(res.Events, newEvent(alert.EventSeverityRaised, a, ts, prevSev))
				}
			} else {
				// Equal: hold the series' set, which the evaluator shares
				// between evaluations, so that an alert restored or kept
				// across a reload stops holding its own copy.
				a.Labels = s.Labels
			}
			switch {
			case a.State == alert.StatePending && ts.Sub(a.ActiveAt) >= p.For:
				fire(a, ts, &res, p) // lists it as changed, once
			case changed:
				res.Changed = append(res.Changed, a)
			}
			continue
		}
		var history *alert.Flap
		if a != nil {
			history = a.Flap // a resolved record: its history goes on
		}
		a = &alert.Alert{
			Key:          alert.Key{RuleID: p.RuleID, ID: s.ID},
			Labels:       s.Labels,
			Annotations:  s.Annotations,
			State:        alert.StatePending,
			Value:        s.Value,
			GeneratorURL: p.GeneratorURL,
			ActiveAt:     ts,
			LastEvalAt:   ts,
			Flap:         history,
		}
		states[s.ID] = a
		if p.For <= 0 {
			// Fires at once: listed as changed once, by fire.
			fire(a, ts, &res, p)
			continue
		}
		res.Changed = append(res.Changed, a)
	}

	for id, a := range states {
		if a.LastEvalAt.Equal(ts) && a.State != alert.StateInactive {
			// Present in this evaluation.
			res.Active++
			if a.State == alert.StatePending && ts.Sub(a.ActiveAt) >= p.For {
				fire(a, ts, &res, p)
			}
			settle(a, ts, &res, p)
			continue
		}
		keepFiring := false
		if a.State == alert.StateFiring && p.KeepFiringFor > 0 {
			if a.KeepFiringSince.IsZero() {
				a.KeepFiringSince = ts
				res.Changed = append(res.Changed, a)
			}
			keepFiring = ts.Sub(a.KeepFiringSince) < p.KeepFiringFor
		}
		if keepFiring {
			res.Active++
			settle(a, ts, &res, p)
			continue
		}
		switch a.State {
		case alert.StatePending:
			if lapse(a, ts, p.Flap, retention) {
				res.Changed = append(res.Changed, a)
				settle(a, ts, &res, p)
				continue
			}
			delete(states, id)
			res.Deleted = append(res.Deleted, a.Key)
		case alert.StateFiring:
			a.State = alert.StateInactive
			a.ResolvedAt = ts
			a.Flap = flap.Resolved(a.Flap, ts, p.Flap)
			res.Changed = append(res.Changed, a)
			res.Events = append(res.Events, newEvent(alert.EventResolved, a, ts, ""))
		default: // resolved
			settle(a, ts, &res, p)
			if ts.Sub(a.ResolvedAt) > retention && !flap.Keep(a.Flap, ts, p.Flap, retention) {
				delete(states, id)
				res.Deleted = append(res.Deleted, a.Key)
			}
		}
	}

	if p.Limit > 0 && res.Active > p.Limit {
		got := res.Active
		res = dropAll(states, ts)
		return res, &LimitError{Limit: p.Limit, Got: got}
	}
	return res, nil
}

func fire(a *alert.Alert, ts time.Time, res *StepResult, p MachineParams) {
	a.State = alert.StateFiring
	a.FiredAt = ts
	var began bool
	a.Flap, began = flap.Fired(a.Flap, ts, p.Flap)
	res.Changed = append(res.Changed, a)
	res.Events = append(res.Events, newEvent(alert.EventFiring, a, ts, ""))
	if began {
		res.Events = append(res.Events, newEvent(alert.EventFlapping, a, ts, ""))
	}
}

// settle ends the flap of an alert that has been stable long enough, with
// an EventStable whose snapshot is what receivers are told now: the alert
// firing, or resolved (a pending alert has not fired again: for the
// receivers it is resolved).
func settle(a *alert.Alert, ts time.Time, res *StepResult, p MachineParams) {
	next, ended := flap.Settle(a.Flap, ts, a.State == alert.StateFiring, p.Flap)
	if !ended {
		return
	}
	a.Flap = next
	res.Changed = append(res.Changed, a)
	ev := newEvent(alert.EventStable, a, ts, "")
	if a.State == alert.StatePending {
		ev.Alert.State = alert.StateInactive
		ev.Alert.ResolvedAt = lastResolution(a)
	}
	res.Events = append(res.Events, ev)
}

// lapse turns a pending alert that went away back into the resolved
// record it came from when its flap history must be kept (it flaps, or
// its resolutions count towards a flap), and reports whether it did;
// otherwise the alert is dropped, as in Prometheus.
func lapse(a *alert.Alert, ts time.Time, c flap.Config, retention time.Duration) bool {
	if !flap.Keep(a.Flap, ts, c, retention) {
		return false
	}
	a.State = alert.StateInactive
	a.ResolvedAt = lastResolution(a)
	return true
}

// lastResolution is when an alert that fired before last resolved: the
// latest resolution of its flap history.
func lastResolution(a *alert.Alert) time.Time {
	if !a.ResolvedAt.IsZero() {
		return a.ResolvedAt
	}
	if f := a.Flap; f != nil {
		if n := len(f.Resolutions); n > 0 {
			return f.Resolutions[n-1]
		}
		return f.LastChange
	}
	return time.Time{}
}

// forget ends an alert that alerter stops evaluating (its rule exceeded
// its limit, was removed, or is gone after a restart) and returns the
// resolved event receivers must get, nil if none: a firing alert (one
// that fired in this very step too, when firedNow) resolves, and a
// flapping one that receivers hold as firing resolves too, its flap
// ended.
func forget(a *alert.Alert, ts time.Time, firedNow bool) *alert.Event {
	// A flapping alert that fired in this very step had its firing event
	// dropped too; receivers still hold it as firing from before.
	held := a.Flapping() && (a.State != alert.StateFiring || a.FiredAt.Equal(ts))
	firing := a.State == alert.StateFiring && (firedNow || !a.FiredAt.Equal(ts))
	if !held && !firing {
		return nil
	}
	if firing || a.ResolvedAt.IsZero() {
		a.ResolvedAt = ts
	}
	a.State = alert.StateInactive
	a.Flap = flap.End(a.Flap, ts)
	return newEvent(alert.EventResolved, a, ts, "")
}

// dropAll forgets every alert of the rule. Prometheus drops them silently
// and Alertmanager later times them out as resolved; alerter has no such
// time-out downstream, so alerts that were firing get an explicit resolved
// event (not those that would have fired in this very step: their firing
// event is dropped too), and so do flapping ones held as firing.
func dropAll(states map[model.Fingerprint]*alert.Alert, ts time.Time) StepResult {
	var res StepResult
	for id, a := range states {
		if ev := forget(a, ts, false); ev != nil {
			res.Events = append(res.Events, ev)
		}
		res.Deleted = append(res.Deleted, a.Key)
		delete(states, id)
	}
	return res
}

func newEvent(k alert.EventKind, a *alert.Alert, ts time.Time, prevSeverity string) *alert.Event {
	return &alert.Event{Kind: k, At: ts, Alert: *a.Clone(), PrevSeverity: prevSeverity}
}

func hasDuplicates(in []Series, seen map[model.Fingerprint]struct{}) bool {
	switch len(in) {
	case 0, 1:
		return false
	case 2:
		return in[0].ID == in[1].ID
	}
	if seen == nil {
		seen = make(map[model.Fingerprint]struct{}, len(in))
	} else {
		clear(seen)
	}
	for i := range in {
		if _, ok := seen[in[i].ID]; ok {
			return true
		}
		seen[in[i].ID] = struct{}{}
	}
	return false
}

func sameLabels(a, b model.LabelSet) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer() {
		return true // the same map: the steady state
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
