package route

import (
	"slices"
	"time"

	"github.com/prometheus/common/model"
)

// Receivers returns the receivers of the routes an alert with labels ls
// takes (Match), in routing order, for the API's view of an alert.
func (r *Route) Receivers(ls model.LabelSet) []string {
	var out []string
	for _, m := range r.Match(ls) {
		out = append(out, m.Receiver)
	}
	return out
}

// TimeMutedBy returns the time intervals that mute the routes an alert
// with labels ls takes, at now (MutedBy of each), each name once, in
// routing order.
func (r *Route) TimeMutedBy(ls model.LabelSet, now time.Time) []string {
	var out []string
	for _, m := range r.Match(ls) {
		for _, n := range m.MutedBy(now) {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}
