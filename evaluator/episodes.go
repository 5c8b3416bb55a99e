package evaluator

import (
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/quality"
	"github.com/alerter/alerter/state"
)

// QualityRecorder takes the per-rule alert-quality figures the evaluator
// knows about (package quality's Recorder satisfies it).
type QualityRecorder interface {
	// SetRules names the rules of the current rule set.
	SetRules(rs []quality.Rule)
	Fired(ruleID string, at time.Time)
	Resolved(ruleID string, evaluations int64)
	BeganFlapping(ruleID string)
}

// trackEpisodes follows the rule's episodes through the events of one
// evaluation and returns the episode records to store with it: an open
// episode at each firing, its flapping mark, and its resolution with the
// evaluations it took (-1 when the episode began before tracking did and
// could not be resumed).
func (rt *ruleRuntime) trackEpisodes(group string, evs []*alert.Event) []state.Episode {
	var out []state.Episode
	for _, ev := range evs {
		a := &ev.Alert
		rec := state.Episode{RuleID: a.Key.RuleID, Group: group, Alertname: rt.rule.Alert, ID: a.Key.ID,
			Labels: a.Labels, FiredAt: a.FiredAt, Flapping: a.Flapping()}
		switch ev.Kind {
		case alert.EventFiring:
			rt.episodes.Observe(ev)
		case alert.EventFlapping:
			rec.Flapping = true
		case alert.EventResolved:
			rec.ResolvedAt, rec.Evaluations = a.ResolvedAt, -1
			if ep := rt.episodes.Observe(ev); ep != nil {
				rec.Evaluations = ep.Evaluations
			}
		default:
			continue
		}
		if rec.FiredAt.IsZero() {
			continue // never fired: not an episode
		}
		out = append(out, rec)
	}
	return out
}

// recordQuality counts a stored batch's firings, flaps and resolutions in
// the quality figures.
func (m *Manager) recordQuality(b *state.Batch) {
	q := m.opts.Quality
	if q == nil {
		return
	}
	for _, ev := range b.Events {
		switch ev.Kind {
		case alert.EventFiring:
			q.Fired(ev.Alert.Key.RuleID, ev.Alert.FiredAt)
		case alert.EventFlapping:
			q.BeganFlapping(ev.Alert.Key.RuleID)
		}
	}
	for i := range b.Episodes {
		if e := &b.Episodes[i]; !e.ResolvedAt.IsZero() {
			q.Resolved(e.RuleID, e.Evaluations)
		}
	}
}

// qualityRules names the alerting rules of groups for the quality
// figures.
func qualityRules(groups []*groupRuntime) []quality.Rule {
	var out []quality.Rule
	for _, g := range groups {
		for _, rt := range g.rules {
			if rt.rule.IsAlerting() {
				out = append(out, quality.Rule{ID: rt.rule.ID, Group: g.key, Alertname: rt.rule.Alert})
			}
		}
	}
	return out
}
