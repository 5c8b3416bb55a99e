package config

import (
	"fmt"

	"github.com/prometheus/alertmanager/timeinterval"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/internal/strictyaml"
	"github.com/alerter/alerter/notifiers/route"
)

// TimeInterval is a named time interval that routes name in
// mute_time_intervals and active_time_intervals, as in Alertmanager's
// time_intervals (and mute_time_intervals, its name before 0.24). Its
// specs are Alertmanager's own type and semantics (times, weekdays,
// days_of_month, months, years, location); an instant is in the interval
// when any spec contains it.
type TimeInterval struct {
	Name          string                      `yaml:"name"`
	TimeIntervals []timeinterval.TimeInterval `yaml:"time_intervals"`
}

// Intervals returns every named time interval, from time_intervals and
// mute_time_intervals, for the routing tree.
func (c *Config) Intervals() route.Intervals {
	out := route.Intervals{}
	for _, list := range [][]*TimeInterval{c.MuteTimeIntervals, c.TimeIntervals} {
		for _, ti := range list {
			if ti != nil {
				out[ti.Name] = ti.TimeIntervals
			}
		}
	}
	return out
}

// timeRangeShape is the shape of one entry of a spec's times: Alertmanager's
// TimeRange decodes it leniently, so its keys are checked here first.
type timeRangeShape struct {
	StartTime string `yaml:"start_time"`
	EndTime   string `yaml:"end_time"`
}

// validateTimeIntervals checks the named intervals: names given and
// unique across both lists, the keys of every times entry known, and every
// name a route uses defined. It returns the names defined.
func (c *Config) validateTimeIntervals(doc *yaml.Node, v *validation) map[string]bool {
	names := map[string]bool{}
	for _, key := range []string{"mute_time_intervals", "time_intervals"} {
		list := c.TimeIntervals
		what := "time interval"
		if key == "mute_time_intervals" {
			list, what = c.MuteTimeIntervals, "mute time interval"
		}
		for i, ti := range list {
			p := fmt.Sprintf("%s[%d]", key, i)
			switch {
			case ti == nil || ti.Name == "":
				v.add(p, "missing name in "+what)
				continue
			case names[ti.Name]:
				v.add(p+".name", fmt.Sprintf("%s %q is not unique", what, ti.Name))
			}
			names[ti.Name] = true
			for j := range ti.TimeIntervals {
				times := child(child(child(child(top(doc), key), fmt.Sprintf("[%d]", i)), "time_intervals"), fmt.Sprintf("[%d]", j))
				times = child(times, "times")
				if times == nil || times.Kind != yaml.SequenceNode {
					continue
				}
				for k, n := range times.Content {
					var shape timeRangeShape
					for _, e := range strictyaml.Decode(n, &shape) {
						v.errs = append(v.errs, &Error{Line: e.Line, Column: e.Column,
							Path: fmt.Sprintf("%s.time_intervals[%d].times[%d]", p, j, k), Msg: e.Msg})
					}
				}
			}
		}
	}
	if c.Route != nil && !v.failed("time_intervals") && !v.failed("mute_time_intervals") {
		walkRoutes(c.Route, "route", func(r *route.Config, path string) {
			for key, list := range map[string][]string{"mute_time_intervals": r.MuteTimeIntervals, "active_time_intervals": r.ActiveTimeIntervals} {
				for i, name := range list {
					if !names[name] {
						v.add(fmt.Sprintf("%s.%s[%d]", path, key, i), fmt.Sprintf("undefined time interval %q used in route", name))
					}
				}
			}
		})
	}
	return names
}
