package inhibit

import (
	"errors"
	"fmt"
	"slices"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// Inhibitor holds compiled inhibition rules. It is immutable and safe for
// concurrent use.
type Inhibitor struct {
	rules []rule
}

type rule struct {
	name           string
	source, target matcher.Matchers
	// equal is sorted and without repeats.
	equal []model.LabelName
}

// New compiles the rules, reporting every problem at once, each naming
// the rule as inhibit_rules[i].
func New(cfgs []RuleConfig) (*Inhibitor, error) {
	ih := &Inhibitor{rules: make([]rule, 0, len(cfgs))}
	var errs []error
	for i, c := range cfgs {
		r, rerrs := compile(c)
		for _, err := range rerrs {
			errs = append(errs, fmt.Errorf("inhibit_rules[%d]: %w", i, err))
		}
		ih.rules = append(ih.rules, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return ih, nil
}

func compile(c RuleConfig) (rule, []error) {
	var errs []error
	source := legacy(c.SourceMatch, c.SourceMatchRE, "source", &errs)
	target := legacy(c.TargetMatch, c.TargetMatchRE, "target", &errs)
	r := rule{
		name:   c.Name,
		source: append(source, c.SourceMatchers...),
		target: append(target, c.TargetMatchers...),
	}
	for _, l := range c.Equal {
		if !model.UTF8Validation.IsValidLabelName(l) {
			errs = append(errs, fmt.Errorf("invalid label name %q in equal list", l))
			continue
		}
		r.equal = append(r.equal, model.LabelName(l))
	}
	slices.Sort(r.equal)
	r.equal = slices.Compact(r.equal)
	return r, errs
}

// legacy converts the deprecated match maps, in name order so that errors
// come out in a stable order.
func legacy(eq, re map[string]string, side string, errs *[]error) matcher.Matchers {
	var ms matcher.Matchers
	add := func(m map[string]string, t matcher.Type, key string) {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			mt, err := matcher.New(t, n, m[n])
			if err != nil {
				*errs = append(*errs, fmt.Errorf("%s_%s: %w", side, key, err))
				continue
			}
			ms = append(ms, mt)
		}
	}
	add(eq, matcher.Equal, "match")
	add(re, matcher.Regexp, "match_re")
	return ms
}

// RuleName returns the configured name of rule i, an index that Inhibited
// returned, or "" if it has none or i is out of range.
func (ih *Inhibitor) RuleName(i int) string {
	if ih == nil || i < 0 || i >= len(ih.rules) {
		return ""
	}
	return ih.rules[i].name
}

// Inhibited reports whether target is inhibited by one of the firing
// alerts, and by which rule (-1 if none). For many targets build one
// Snapshot instead.
func (ih *Inhibitor) Inhibited(target model.LabelSet, firing []model.LabelSet) (bool, int) {
	return ih.Snapshot(firing).Inhibited(target)
}
