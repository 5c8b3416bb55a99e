package route

import (
	"github.com/prometheus/common/model"
)

// Match returns the routes that handle an alert with labels ls, in order,
// as Alertmanager does: if r's matchers match, its children are tried
// depth-first in order, and the first child that matches ends the search
// unless it has continue set; if no child matches, r itself is the result.
// It returns nil when r's own matchers do not match; the root, having none,
// always matches.
func (r *Route) Match(ls model.LabelSet) []*Route {
	if !r.Matchers.Matches(ls) {
		return nil
	}
	var all []*Route
	for _, c := range r.Routes {
		got := c.Match(ls)
		all = append(all, got...)
		if got != nil && !c.Continue {
			break
		}
	}
	if len(all) == 0 {
		all = append(all, r)
	}
	return all
}

// Walk calls fn for r and every route below it, depth-first, parents
// before children, children in order.
func (r *Route) Walk(fn func(*Route)) {
	fn(r)
	for _, c := range r.Routes {
		c.Walk(fn)
	}
}
