package notifiers

import (
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// episodeKey identifies a firing episode of an alert, as the state store
// keys episodes.
type episodeKey struct {
	ruleID  string
	id      model.Fingerprint
	firedAt time.Time
}

// noteNotifications adds to f the notifications each queued message
// makes for the episodes of its alerts (one per message, so one per
// integration), and returns, per rule, how many messages carried its
// alerts. Storm digests carry no alerts and count for none.
func noteNotifications(msgs []pending, f *state.Flush) map[string]int {
	counts := map[episodeKey]int{}
	var order []episodeKey
	perRule := map[string]int{}
	for _, p := range msgs {
		var rules []string
		for _, a := range p.msg.Alerts {
			k := episodeKey{a.Key.RuleID, a.Key.ID, a.FiredAt}
			if counts[k] == 0 {
				order = append(order, k)
			}
			counts[k]++
			if !slices.Contains(rules, a.Key.RuleID) {
				rules = append(rules, a.Key.RuleID)
			}
		}
		for _, r := range rules {
			perRule[r]++
		}
	}
	for _, k := range order {
		if k.ruleID == alert.PushedRuleID || k.firedAt.IsZero() {
			continue // not evaluated: no stored episode
		}
		f.EpisodeNotes = append(f.EpisodeNotes, state.EpisodeNote{RuleID: k.ruleID, ID: k.id, FiredAt: k.firedAt, Notifications: counts[k]})
	}
	return perRule
}

// noteAcks adds to f the first acknowledgement of the episodes of a
// group's firing alerts acknowledged since its last flush (acked but not
// in g.acked), and keeps them to be counted once the round is stored.
func (d *Dispatcher) noteAcks(g *aggGroup, firing []*alert.Alert, acks map[model.Fingerprint]alert.Ack, acked []uint64, f *state.Flush) {
	if len(acked) == 0 {
		return
	}
	before := set(g.acked)
	for _, a := range firing {
		fp := a.Fingerprint()
		k, ok := acks[fp]
		if !ok || before[uint64(fp)] || a.Key.Pushed() {
			continue
		}
		f.EpisodeNotes = append(f.EpisodeNotes, state.EpisodeNote{RuleID: a.Key.RuleID, ID: a.Key.ID, FiredAt: a.FiredAt,
			AckedAt: k.At, AckedBy: k.By})
		if !k.At.Before(d.loadedAt) {
			// Acknowledgements older than this dispatcher were counted
			// by whoever ran when they were made.
			d.ackObs = append(d.ackObs, ackObservation{ruleID: a.Key.RuleID, after: k.At.Sub(a.IncidentStart())})
		}
	}
}

// recordQuality counts a stored round's notifications and new
// acknowledgements in the quality figures.
func (d *Dispatcher) recordQuality(notified map[string]int) {
	obs := d.ackObs
	d.ackObs = nil
	q := d.o.Quality
	if q == nil {
		return
	}
	for r, n := range notified {
		q.Notified(r, n)
	}
	for _, o := range obs {
		q.Acknowledged(o.ruleID, o.after)
	}
}
