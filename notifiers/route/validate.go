package route

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// rootPath names the root route in errors, as the configuration key does.
const rootPath = "route"

// Validate reports every problem of the tree rooted at cfg, each error
// naming the route by its path such as `route.routes[1].routes[0]`: the
// rules Alertmanager enforces (the root has a receiver and no matchers,
// continue or time intervals; group_by has valid, distinct label names and
// does not mix "..." with others; group_interval and repeat_interval are
// not zero; match and match_re have valid names and expressions) and
// receivers not in the receivers set. A child without a receiver inherits
// one and is not reported.
func Validate(cfg *Config, receivers map[string]bool) []error {
	errs := check(cfg)
	walkConfig(cfg, rootPath, func(c *Config, path string) {
		if c.Receiver != "" && !receivers[c.Receiver] {
			errs = append(errs, fmt.Errorf("%s: undefined receiver %q", path, c.Receiver))
		}
	})
	return errs
}

// check returns the problems that do not depend on the receivers.
func check(cfg *Config) []error {
	if cfg == nil {
		return []error{errors.New("no route provided")}
	}
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if cfg.Receiver == "" {
		add(rootPath, "root route must specify a default receiver")
	}
	if len(cfg.Matchers) > 0 || len(cfg.Match) > 0 || len(cfg.MatchRE) > 0 {
		add(rootPath, "root route must not have any matchers")
	}
	if cfg.Continue {
		add(rootPath, "cannot have continue in root route")
	}
	if len(cfg.MuteTimeIntervals) > 0 {
		add(rootPath, "root route must not have any mute time intervals")
	}
	if len(cfg.ActiveTimeIntervals) > 0 {
		add(rootPath, "root route must not have any active time intervals")
	}
	walkConfig(cfg, rootPath, func(c *Config, path string) {
		for i, child := range c.Routes {
			if child == nil {
				add(path+".routes["+strconv.Itoa(i)+"]", "empty route")
			}
		}
		checkGroupBy(c.GroupBy, func(format string, args ...any) { add(path, format, args...) })
		if c.GroupInterval != nil && *c.GroupInterval == 0 {
			add(path, "group_interval cannot be zero")
		}
		if c.RepeatInterval != nil && *c.RepeatInterval == 0 {
			add(path, "repeat_interval cannot be zero")
		}
		for _, name := range sortedKeys(c.Match) {
			if _, err := matcher.New(matcher.Equal, name, c.Match[name]); err != nil {
				add(path, "match: %v", err)
			}
		}
		for _, name := range sortedKeys(c.MatchRE) {
			if _, err := matcher.New(matcher.Regexp, name, c.MatchRE[name]); err != nil {
				add(path, "match_re: %v", err)
			}
		}
	})
	return errs
}

func checkGroupBy(groupBy []string, fail func(format string, args ...any)) {
	seen := map[string]bool{}
	all, others := false, false
	for _, l := range groupBy {
		if l == groupByAll {
			all = true
			continue
		}
		others = true
		if !validLabelName(l) {
			fail("invalid label name %q in group_by list", l)
			continue
		}
		if seen[l] {
			fail("duplicated label %q in group_by", l)
		}
		seen[l] = true
	}
	if all && others {
		fail("cannot have wildcard group_by (`...`) and other labels at the same time")
	}
}

// validLabelName accepts what Alertmanager 0.27+ accepts by default: any
// non-empty UTF-8 name.
func validLabelName(s string) bool {
	return model.UTF8Validation.IsValidLabelName(s)
}

// walkConfig calls fn for every non-nil node, depth-first, with its path.
func walkConfig(c *Config, path string, fn func(*Config, string)) {
	if c == nil {
		return
	}
	fn(c, path)
	for i, child := range c.Routes {
		walkConfig(child, path+".routes["+strconv.Itoa(i)+"]", fn)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
