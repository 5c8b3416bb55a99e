package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// group decodes and validates one group; names holds the group names seen
// so far in the file. It returns nil when n is not a mapping.
func (p *fileParser) group(n *yaml.Node, names map[string]*yaml.Node) *Group {
	var rg rawGroup
	p.decode(n, &rg, "")
	if n.Kind != yaml.MappingNode {
		return nil
	}
	g := &Group{File: p.file, Line: n.Line, Column: n.Column}
	g.Name = p.str(&rg.Name, "name")
	switch first := names[g.Name]; {
	case g.Name == "":
		p.errorf(nodeOr(&rg.Name, n), "name", "group name must not be empty")
	case first != nil:
		p.errorf(&rg.Name, "name", "group name %q is repeated in the same file (first at line %d)", g.Name, first.Line)
	default:
		names[g.Name] = &rg.Name
	}
	p.groupTiming(g, &rg)
	g.FlapDetection = p.flapDetection(&rg.FlapDetection, "flap_detection")
	labels := p.stringMap(&rg.Labels, "labels")
	p.checkLabels(labels, "labels")
	g.Labels = labels.values

	var (
		own         []map[string]string
		anyAlerting bool
		groupTmpl   = map[string]*Template{}
	)
	for i := range rg.Rules {
		r, ownLabels := p.rule(g, &rg.Rules[i], labels, groupTmpl)
		if r == nil {
			continue
		}
		anyAlerting = anyAlerting || r.IsAlerting()
		g.Rules = append(g.Rules, r)
		own = append(own, ownLabels)
	}
	if anyAlerting {
		// Group labels are templates of the alerting rules that inherit
		// them; report a bad one once, at the group.
		for k, v := range labels.values {
			if _, ok := groupTmpl[k]; !ok {
				p.template(labels.nodes[k], joinField("labels", k), k, v)
			}
		}
	}
	assignIDs(g, own)
	p.pushdown(g)
	return g
}

// groupTiming decodes interval, schedule, query_offset and limit.
func (p *fileParser) groupTiming(g *Group, rg *rawGroup) {
	if present(&rg.Interval) {
		g.Interval = p.duration(&rg.Interval, "interval")
		if g.Interval == 0 {
			// Prometheus takes 0 for the global interval; so does alerter,
			// but it is more likely a mistake than a wish.
			p.warnf(&rg.Interval, "interval", "an interval of 0 means the global evaluation interval")
		}
	}
	if g.Schedule = p.str(&rg.Schedule, "schedule"); g.Schedule != "" {
		if present(&rg.Interval) {
			p.errorf(&rg.Schedule, "schedule", "schedule and interval are mutually exclusive")
		}
		c, err := parseSchedule(g.Schedule)
		if err != nil {
			p.errorf(&rg.Schedule, "schedule", "invalid cron schedule: %v", err)
		}
		g.Cron = c
	}
	if present(&rg.QueryOffset) {
		d := p.duration(&rg.QueryOffset, "query_offset")
		g.QueryOffset = &d
	}
	if present(&rg.Limit) {
		p.decode(&rg.Limit, &g.Limit, "limit")
		if g.Limit < 0 {
			// Prometheus takes a negative limit for no limit.
			p.warnf(&rg.Limit, "limit", "a negative limit means no limit")
			g.Limit = 0
		}
	}
}

// duration decodes a Prometheus duration ("1m30s"); absent gives 0.
func (p *fileParser) duration(n *yaml.Node, field string) time.Duration {
	if !present(n) {
		return 0
	}
	var d model.Duration
	p.decode(n, &d, field)
	return time.Duration(d)
}

// parseSchedule parses a cron expression with an optional seconds field,
// descriptors (@hourly, @every 5m) and a CRON_TZ= or TZ= prefix.
func parseSchedule(spec string) (s cron.Schedule, err error) {
	if tz, rest, ok := strings.Cut(spec, "="); ok && (tz == "TZ" || tz == "CRON_TZ") && !strings.Contains(strings.TrimSpace(rest), " ") {
		return nil, fmt.Errorf("%q: a time zone must be followed by a schedule", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%q: %v", spec, r)
		}
	}()
	parser := cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	return parser.Parse(spec)
}

// flapDetection decodes and checks a flap_detection block; nil when it is
// absent.
func (p *fileParser) flapDetection(n *yaml.Node, field string) *FlapDetection {
	if !present(n) {
		return nil
	}
	var rf rawFlap
	p.decode(n, &rf, field)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	f := &FlapDetection{}
	if present(&rf.Cycles) {
		var c int
		errs := len(p.errs)
		p.decode(&rf.Cycles, &c, joinField(field, "cycles"))
		switch {
		case len(p.errs) > errs:
		case c < 0 || c > MaxFlapCycles:
			p.errorf(&rf.Cycles, joinField(field, "cycles"), "must be between 0 (off) and %d, got %d", MaxFlapCycles, c)
		default:
			f.Cycles = &c
		}
	}
	for _, d := range []struct {
		n   *yaml.Node
		key string
		dst **time.Duration
	}{{&rf.Window, "window", &f.Window}, {&rf.StableFor, "stable_for", &f.StableFor}} {
		if !present(d.n) {
			continue
		}
		errs := len(p.errs)
		v := p.duration(d.n, joinField(field, d.key))
		switch {
		case len(p.errs) > errs:
		case v <= 0:
			p.errorf(d.n, joinField(field, d.key), "must be greater than 0")
		default:
			*d.dst = &v
		}
	}
	return f
}
