package notifiers

import (
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// internLimit bounds the dispatcher's string table (two generations), and
// annotationSetLimit its table of annotation sets (reset when full).
const (
	internLimit        = 1 << 16
	annotationSetLimit = 1 << 14
)

// internAlert makes the alert's strings (label and annotation names and
// values, rule ID, generator URL) share the dispatcher's copies: alerts
// decoded from the event outbox come with fresh strings, most of which
// repeat across alerts (alertname, job, env, summary templates).
//
// Better still, an alert whose label and annotation sets are equal to those
// the evaluator holds for it (no external labels were added) shares the
// evaluator's maps: one copy of each set per process.
func (d *Dispatcher) internAlert(a *alert.Alert) {
	a.Key.RuleID = d.strs.String(a.Key.RuleID)
	a.GeneratorURL = d.strs.String(a.GeneratorURL)
	if d.o.Sets != nil {
		if ls, as, ok := d.o.Sets.AlertSets(a.Key); ok {
			if ls.Equal(a.Labels) && (ls == nil) == (a.Labels == nil) {
				a.Labels = ls
			} else {
				a.Labels = d.internSet(a.Labels)
			}
			if as.Equal(a.Annotations) && (as == nil) == (a.Annotations == nil) {
				a.Annotations = as
			} else {
				a.Annotations = d.sharedAnnotations(a.Annotations)
			}
			return
		}
	}
	a.Labels = d.internSet(a.Labels)
	a.Annotations = d.sharedAnnotations(a.Annotations)
}

// sharedAnnotations returns one map for equal annotation sets: the alerts
// of a rule with static annotations all share theirs. Annotation maps are
// never changed once ingested.
func (d *Dispatcher) sharedAnnotations(as model.LabelSet) model.LabelSet {
	if len(as) == 0 {
		return as
	}
	fp := as.Fingerprint()
	if held, ok := d.annots[fp]; ok && held.Equal(as) {
		return held
	}
	if len(d.annots) >= annotationSetLimit {
		clear(d.annots)
	}
	as = d.internSet(as)
	d.annots[fp] = as
	return as
}

func (d *Dispatcher) internSet(ls model.LabelSet) model.LabelSet {
	if ls == nil {
		return nil
	}
	out := make(model.LabelSet, len(ls))
	for k, v := range ls {
		out[model.LabelName(d.strs.String(string(k)))] = model.LabelValue(d.strs.String(string(v)))
	}
	return out
}
