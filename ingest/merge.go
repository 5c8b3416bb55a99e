package ingest

import (
	"time"

	"github.com/alerter/alerter/alert"
)

// received is a valid pushed alert with Alertmanager's defaults applied.
type received struct {
	Alert
	// timeout: EndsAt was not sent but derived from resolve_timeout, so a
	// later explicit endsAt of the same alert takes precedence over it.
	timeout bool
}

// withDefaults applies Alertmanager's defaults at receipt: a missing
// startsAt is the endsAt, or now; a missing endsAt is now plus the
// resolve timeout.
func withDefaults(a Alert, now time.Time, resolveTimeout time.Duration) received {
	r := received{Alert: a}
	if r.StartsAt.IsZero() {
		r.StartsAt = now
		if !r.EndsAt.IsZero() {
			r.StartsAt = r.EndsAt
		}
	}
	if r.EndsAt.IsZero() {
		r.EndsAt = now.Add(resolveTimeout)
		r.timeout = true
	}
	return r
}

// resolvedAt reports whether an alert ending at end is resolved at now, as
// Alertmanager's Alert.Resolved: its end is not after now.
func resolvedAt(end, now time.Time) bool { return !end.After(now) }

// span is an alert's activity range as Alertmanager sees it.
func span(a *alert.Alert) (start, end time.Time) {
	start = a.FiredAt
	if start.IsZero() {
		start = a.ActiveAt
	}
	if a.State == alert.StateFiring {
		return start, a.EndsAt
	}
	return start, a.ResolvedAt
}

// apply returns what the record of one alert becomes when r is received at
// now: cur is the stored record (nil if none; it is not modified),
// curTimeout whether its EndsAt came from the resolve timeout. It returns
// the new record (nil: no change to store) and the event to emit (0: none).
//
// It follows Alertmanager's merge: a received alert whose activity range
// overlaps the stored one merges with it (the earliest start wins; the end
// is the received one, unless the stored end is later and was explicit, or
// both are resolved and the stored resolution is later); otherwise it
// replaces it. On top of that, a firing record only ever changes by
// merging, and a received alert that ended before the firing record began
// (a late re-send of an earlier incident) is ignored rather than resolving
// the current incident.
func apply(cur *alert.Alert, curTimeout bool, r received, now time.Time) (*alert.Alert, alert.EventKind) {
	start, end := r.StartsAt, r.EndsAt
	firing := cur != nil && cur.State == alert.StateFiring
	if cur != nil {
		cs, ce := span(cur)
		overlap := (end.After(cs) && end.Before(ce)) || (start.After(cs) && start.Before(ce))
		if firing && !end.After(cs) {
			return nil, 0 // an earlier incident, re-sent late
		}
		if overlap || firing {
			if cs.Before(start) {
				start = cs
			}
			if resolvedAt(r.EndsAt, now) {
				if resolvedAt(ce, now) && ce.After(end) {
					end = ce
				}
			} else if ce.After(end) && !curTimeout {
				end = ce
			}
		}
	}
	if resolvedAt(end, now) {
		if !firing {
			// Resolved, and never seen firing: nothing to tell, and
			// Alertmanager's API would not list it either.
			return nil, 0
		}
		next := cur.Clone()
		next.Annotations = r.Annotations
		next.GeneratorURL = r.GeneratorURL
		next.State = alert.StateInactive
		next.ResolvedAt, next.EndsAt = end, end
		next.LastEvalAt = now
		return next, alert.EventResolved
	}
	next := &alert.Alert{
		Key:          alert.Key{RuleID: alert.PushedRuleID, ID: r.Labels.Fingerprint()},
		Labels:       r.Labels,
		Annotations:  r.Annotations,
		State:        alert.StateFiring,
		GeneratorURL: r.GeneratorURL,
		ActiveAt:     start,
		FiredAt:      start,
		LastEvalAt:   now,
		EndsAt:       end,
	}
	if firing {
		next.Labels = cur.Labels
		return next, 0
	}
	return next, alert.EventFiring
}

// expire resolves a firing record whose end has passed; nil if it has not.
func expire(cur *alert.Alert, now time.Time) *alert.Alert {
	if cur.State != alert.StateFiring || !resolvedAt(cur.EndsAt, now) {
		return nil
	}
	next := cur.Clone()
	next.State = alert.StateInactive
	next.ResolvedAt = cur.EndsAt
	next.LastEvalAt = now
	return next
}

// expired reports whether a resolved record has been kept long enough.
func expired(cur *alert.Alert, now time.Time, retention time.Duration) bool {
	if cur.State == alert.StateFiring {
		return false
	}
	return now.Sub(latest(cur.ResolvedAt, cur.LastEvalAt)) > retention
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
