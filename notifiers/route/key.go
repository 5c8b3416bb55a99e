package route

import (
	"maps"

	"github.com/prometheus/common/model"
)

// Key identifies the route within its tree: the path of matchers from the
// root, each non-root step followed by its position among its siblings,
// e.g. `{}/{service="database"}/2/{owner="team-X"}/0`. One level down it
// is Alertmanager's route ID; deeper down it keeps every level's position
// so that it stays unique. It depends only on the configuration, so it is
// the same across restarts and reloads of an unchanged tree.
func (r *Route) Key() string { return r.key }

// GroupLabels returns the labels of ls that group_by names and ls has, or
// all of them with group_by: ['...']: the labels that identify the alert's
// group on this route.
func (r *Route) GroupLabels(ls model.LabelSet) model.LabelSet {
	if r.GroupByAll {
		out := make(model.LabelSet, len(ls))
		maps.Copy(out, ls)
		return out
	}
	out := make(model.LabelSet, len(r.GroupBy))
	for ln := range r.GroupBy {
		if v, ok := ls[ln]; ok {
			out[ln] = v
		}
	}
	return out
}

// GroupKey identifies the group of an alert with labels ls on this route,
// in Alertmanager's format `<route key>:<group labels>`, the labels sorted
// and quoted as `{alertname="X", cluster="eu"}`.
func (r *Route) GroupKey(ls model.LabelSet) string {
	return r.key + ":" + r.GroupLabels(ls).String()
}
