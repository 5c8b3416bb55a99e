package alert

import "github.com/prometheus/common/model"

// FiringLabels returns the labels of the ongoing alerts of as (firing, or
// flapping whatever their state at the moment): the alerts that inhibit
// others and keep UntilResolved silences active.
func FiringLabels(as []*Alert) []model.LabelSet {
	var out []model.LabelSet
	for _, a := range as {
		if a.Ongoing() {
			out = append(out, a.Labels)
		}
	}
	return out
}
