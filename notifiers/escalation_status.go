package notifiers

import (
	"time"

	"github.com/alerter/alerter/alert"
)

// GroupEscalation is one group's escalation progress as the API shows it:
// which policy, how many levels were notified, and what pages next.
type GroupEscalation struct {
	Policy string
	// Reached is how many levels have been notified (0: none yet).
	Reached int
	Levels  int
	// Start is when the escalation clock started (zero: not yet).
	Start time.Time
	// PausedAt is when every alert of the group became acknowledged,
	// silenced or resolved; zero while escalation runs.
	PausedAt time.Time
	// Next is when the next level (or the last level's repeat) is due;
	// zero when nothing is scheduled. Before the group's first
	// notification it is an estimate: the first level's delay counted
	// from the group's oldest firing alert, not before group_wait ends.
	Next time.Time
	// NextLevel is the 1-based level Next notifies (Levels for a repeat).
	NextLevel int
	// NextReceivers are the receivers Next notifies.
	NextReceivers []string
}

// Escalations returns the escalation progress of every group whose route
// has an escalation policy, by group key. The dispatcher's goroutine
// publishes it after each round that changed something; the map must not
// be modified.
func (d *Dispatcher) Escalations() map[string]GroupEscalation {
	if p := d.escSnap.Load(); p != nil {
		return *p
	}
	return nil
}

// publishEscalations rebuilds the snapshot Escalations returns, when a
// round changed a group. Only the dispatcher's goroutine calls it.
func (d *Dispatcher) publishEscalations() {
	if !d.escDirty && d.escSnap.Load() != nil {
		return
	}
	d.escDirty = false
	out := map[string]GroupEscalation{}
	for key, g := range d.groups {
		p := d.policy(g)
		if p == nil {
			continue
		}
		ge := GroupEscalation{Policy: p.Name, Reached: min(g.esc.Reached, len(p.Levels)), Levels: len(p.Levels),
			Start: g.esc.Start, PausedAt: g.esc.PausedAt}
		switch {
		case !g.flushed:
			if oldest := oldestFiring(g); !oldest.IsZero() && len(p.Levels) > 0 {
				ge.Next = later(g.nextFlush, oldest.Add(time.Duration(p.Levels[0].After)))
			}
		default:
			ge.Next = p.Due(g.esc)
		}
		if !ge.Next.IsZero() {
			lv := min(ge.Reached, len(p.Levels)-1)
			ge.NextLevel = lv + 1
			ge.NextReceivers = append([]string(nil), p.Levels[lv].Receivers...)
		}
		out[key] = ge
	}
	d.escSnap.Store(&out)
}

func oldestFiring(g *aggGroup) time.Time {
	var t time.Time
	for _, a := range g.alerts {
		if a.State != alert.StateFiring {
			continue
		}
		start := a.FiredAt
		if a.SeverityRaisedAt.After(start) {
			start = a.SeverityRaisedAt
		}
		if !start.IsZero() && (t.IsZero() || start.Before(t)) {
			t = start
		}
	}
	return t
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
