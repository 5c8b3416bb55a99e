package route

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// Alertmanager's defaults for the root route.
const (
	DefaultGroupWait      = 30 * time.Second
	DefaultGroupInterval  = 5 * time.Minute
	DefaultRepeatInterval = 4 * time.Hour
)

// Route is a node of the routing tree with its inherited settings
// resolved. A tree is immutable once built and safe for concurrent use;
// its maps and slices must not be modified.
type Route struct {
	Receiver string
	// GroupBy is the set of labels that split alerts into groups; ignored
	// when GroupByAll.
	GroupBy    map[model.LabelName]struct{}
	GroupByAll bool

	GroupWait, GroupInterval, RepeatInterval time.Duration
	// GroupWaitEarly ends a new group's group_wait as soon as alerter's
	// rule evaluations due when it formed are stored (see Config).
	GroupWaitEarly bool

	// Matchers are this route's own, from matchers, match and match_re,
	// sorted as Alertmanager sorts them.
	Matchers matcher.Matchers
	Continue bool
	Routes   []*Route
	// Parent is nil at the root.
	Parent *Route

	Escalation string

	// ActiveTimeIntervals and MuteTimeIntervals name the time intervals
	// when this route notifies, or does not (see MutedBy). As in
	// Alertmanager, they are not inherited by child routes.
	ActiveTimeIntervals []string
	MuteTimeIntervals   []string

	intervals Intervals // set by NewWithIntervals

	idx int    // position among the parent's routes
	key string // see Key
}

// New builds the tree rooted at cfg. A child inherits from its parent the
// receiver, group_by, group_wait, group_interval, repeat_interval and
// escalation that it does not set; the root starts from Alertmanager's
// defaults (30s, 5m, 4h, no grouping labels). New reports every problem
// that Validate reports except unknown receivers. A tree whose routes
// name time intervals needs NewWithIntervals.
func New(cfg *Config) (*Route, error) {
	return NewWithIntervals(cfg, nil)
}

func build(cfg *Config, parent *Route, idx int) *Route {
	r := &Route{
		Parent:              parent,
		idx:                 idx,
		Continue:            cfg.Continue,
		ActiveTimeIntervals: slices.Clone(cfg.ActiveTimeIntervals),
		MuteTimeIntervals:   slices.Clone(cfg.MuteTimeIntervals),
	}
	if parent == nil {
		r.GroupBy = map[model.LabelName]struct{}{}
		r.GroupWait, r.GroupInterval, r.RepeatInterval = DefaultGroupWait, DefaultGroupInterval, DefaultRepeatInterval
	} else {
		r.Receiver = parent.Receiver
		r.GroupBy, r.GroupByAll = maps.Clone(parent.GroupBy), parent.GroupByAll
		r.GroupWait, r.GroupInterval, r.RepeatInterval = parent.GroupWait, parent.GroupInterval, parent.RepeatInterval
		r.GroupWaitEarly = parent.GroupWaitEarly
		r.Escalation = parent.Escalation
	}
	if cfg.Receiver != "" {
		r.Receiver = cfg.Receiver
	}
	if cfg.Escalation != "" {
		r.Escalation = cfg.Escalation
	}
	if len(cfg.GroupBy) > 0 {
		r.GroupBy, r.GroupByAll = map[model.LabelName]struct{}{}, false
		for _, l := range cfg.GroupBy {
			if l == groupByAll {
				r.GroupByAll = true
				continue
			}
			r.GroupBy[model.LabelName(l)] = struct{}{}
		}
	}
	if cfg.GroupWait != nil {
		r.GroupWait = time.Duration(*cfg.GroupWait)
	}
	if cfg.GroupInterval != nil {
		r.GroupInterval = time.Duration(*cfg.GroupInterval)
	}
	if cfg.RepeatInterval != nil {
		r.RepeatInterval = time.Duration(*cfg.RepeatInterval)
	}
	if cfg.GroupWaitEarly != nil {
		r.GroupWaitEarly = *cfg.GroupWaitEarly
	}
	r.Matchers = matchersOf(cfg)
	r.key = r.Matchers.String()
	if parent != nil {
		r.key = parent.key + "/" + r.key + "/" + strconv.Itoa(idx)
	}
	r.Routes = make([]*Route, len(cfg.Routes))
	for i, c := range cfg.Routes {
		r.Routes[i] = build(c, r, i)
	}
	return r
}

// matchersOf combines the three ways of writing matchers, sorted. cfg has
// been checked, so they all compile.
func matchersOf(cfg *Config) matcher.Matchers {
	ms := make(matcher.Matchers, 0, len(cfg.Match)+len(cfg.MatchRE)+len(cfg.Matchers))
	for name, value := range cfg.Match {
		m, _ := matcher.New(matcher.Equal, name, value)
		ms = append(ms, m)
	}
	for name, expr := range cfg.MatchRE {
		m, _ := matcher.New(matcher.Regexp, name, expr)
		ms = append(ms, m)
	}
	ms = append(ms, cfg.Matchers...)
	slices.SortFunc(ms, matcher.Compare)
	return ms
}
