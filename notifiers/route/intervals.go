package route

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/alertmanager/timeinterval"
)

// Intervals are the named time intervals (the configuration's
// time_intervals and mute_time_intervals) that routes name in
// mute_time_intervals and active_time_intervals. Each name stands for a
// list of specs; an instant is in the named interval when any spec
// contains it.
type Intervals map[string][]timeinterval.TimeInterval

// contains reports whether the interval called name contains t.
func (iv Intervals) contains(name string, t time.Time) bool {
	for _, spec := range iv[name] {
		if specContains(spec, t) {
			return true
		}
	}
	return false
}

// NewWithIntervals builds the tree rooted at cfg, as New does, with the
// time intervals its routes name. A name that intervals does not define
// is an error, as in Alertmanager.
func NewWithIntervals(cfg *Config, intervals Intervals) (*Route, error) {
	if errs := check(cfg); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var undefined error
	walkConfig(cfg, rootPath, func(c *Config, path string) {
		for _, name := range slices.Concat(c.MuteTimeIntervals, c.ActiveTimeIntervals) {
			if _, ok := intervals[name]; !ok && undefined == nil {
				undefined = fmt.Errorf("%s: undefined time interval %q used in route", path, name)
			}
		}
	})
	if undefined != nil {
		return nil, undefined
	}
	r := build(cfg, nil, 0)
	r.Walk(func(r *Route) { r.intervals = intervals })
	return r, nil
}

// MutedBy returns the names of the time intervals that keep this route
// from notifying at now, or nil when it may notify. As in Alertmanager, a
// route with active_time_intervals is muted outside all of them (and
// reports all of them), and a route is muted inside any of its
// mute_time_intervals (and reports those it is in). Intervals belong to
// the route that names them: children do not inherit them.
func (r *Route) MutedBy(now time.Time) []string {
	if len(r.ActiveTimeIntervals) > 0 && !slices.ContainsFunc(r.ActiveTimeIntervals, func(n string) bool { return r.intervals.contains(n, now) }) {
		return slices.Clone(r.ActiveTimeIntervals)
	}
	var out []string
	for _, n := range r.MuteTimeIntervals {
		if r.intervals.contains(n, now) {
			out = append(out, n)
		}
	}
	return out
}
