package notifiers

import (
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers/escalation"
)

// acksOf returns the acknowledgements of the given firing alerts, and the
// earliest time one of the unacknowledged ones fired (its incident began,
// for a flapping alert) or rose in severity (zero when all are
// acknowledged): where escalation counts from.
func (d *Dispatcher) acksOf(firing []*alert.Alert, now time.Time) (map[model.Fingerprint]alert.Ack, time.Time) {
	var acks map[model.Fingerprint]alert.Ack
	var since time.Time
	for _, a := range firing {
		if d.o.Acks != nil {
			if k, ok := d.o.Acks.Acknowledged(a, now); ok {
				if acks == nil {
					acks = map[model.Fingerprint]alert.Ack{}
				}
				acks[a.Fingerprint()] = k
				continue
			}
		}
		// A flapping alert is one incident since its flap began.
		start := a.IncidentStart()
		if a.SeverityRaisedAt.After(start) {
			start = a.SeverityRaisedAt
		}
		if start.IsZero() {
			start = now
		}
		if since.IsZero() || start.Before(since) {
			since = start
		}
	}
	return acks, since
}

func ackedFingerprints(firing []*alert.Alert, acks map[model.Fingerprint]alert.Ack) []uint64 {
	if len(acks) == 0 {
		return nil
	}
	var out []uint64
	for _, a := range firing {
		if _, ok := acks[a.Fingerprint()]; ok {
			out = append(out, uint64(a.Fingerprint()))
		}
	}
	return sortedUint64(out)
}

// ackNews makes every group whose firing alerts' acknowledgements changed
// since its last flush flush now, so that receivers hear at once who
// acknowledged (or that an acknowledgement was withdrawn).
func (d *Dispatcher) ackNews(now time.Time) {
	for _, g := range d.groups {
		if !g.flushed {
			continue // its first message will carry the acknowledgements
		}
		var firing []*alert.Alert
		for _, a := range g.alerts {
			if a.State == alert.StateFiring {
				firing = append(firing, a)
			}
		}
		acks, _ := d.acksOf(firing, now)
		if !slices.Equal(ackedFingerprints(firing, acks), g.acked) {
			g.nextFlush = now
		}
	}
}

// policy returns the escalation policy of the group's route, if any.
func (d *Dispatcher) policy(g *aggGroup) *escalation.Policy {
	if g.route.Escalation == "" || d.o.Escalations == nil {
		return nil
	}
	return d.o.Escalations[g.route.Escalation]
}

// escalationDue is when the group's escalation next needs a flush; zero if
// never. A group escalates only after its first flush (group_wait).
func (d *Dispatcher) escalationDue(g *aggGroup) time.Time {
	p := d.policy(g)
	if p == nil || !g.flushed {
		return time.Time{}
	}
	// Zero when not started or paused: the next flush tick decides.
	return p.Due(g.esc)
}

func sortedUint64(v []uint64) []uint64 {
	slices.Sort(v)
	return v
}
