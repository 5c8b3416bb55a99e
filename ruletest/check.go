package ruletest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/alerter/alerter/alert"
)

// labeled is an alert as tests compare it: labels and annotations.
type labeled struct {
	labels, annotations labels.Labels
}

func compareLabeled(a, b labeled) int {
	if c := labels.Compare(a.labels, b.labels); c != 0 {
		return c
	}
	return labels.Compare(a.annotations, b.annotations)
}

func (l labeled) String() string {
	return l.labels.String() + " annotations " + l.annotations.String()
}

func fromLabelSet(ls model.LabelSet) labels.Labels {
	b := labels.NewScratchBuilder(len(ls))
	for k, v := range ls {
		b.Add(string(k), string(v))
	}
	b.Sort()
	return b.Labels()
}

// checkAlerts compares the firing alerts named by a test case with the
// expected ones, as promtool does: every label (alertname added to the
// expected ones) and every annotation must match, in any order.
func (r *groupRun) checkAlerts(tc AlertTestCase, at time.Time) {
	var got []labeled
	pending := map[uint64]*alert.Alert{}
	var holdFor []time.Duration
	for _, g := range r.mgr.Groups() {
		for _, rs := range g.Rules {
			if rs.Rule.Alert != tc.Alertname {
				continue
			}
			holdFor = append(holdFor, rs.Rule.For)
			for _, a := range rs.Alerts {
				ls := fromLabelSet(a.Labels)
				if a.State != alert.StateFiring {
					pending[ls.Hash()] = a
					continue
				}
				got = append(got, labeled{ls, fromLabelSet(a.Annotations)})
			}
		}
	}
	var exp []labeled
	for _, e := range tc.ExpAlerts {
		ls := labels.NewBuilder(labels.FromMap(e.ExpLabels))
		ls.Set(labels.AlertName, tc.Alertname)
		exp = append(exp, labeled{ls.Labels(), labels.FromMap(e.ExpAnnotations)})
	}
	slices.SortFunc(got, compareLabeled)
	slices.SortFunc(exp, compareLabeled)
	if slices.EqualFunc(got, exp, func(a, b labeled) bool { return compareLabeled(a, b) == 0 }) {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "alertname: %s, time: %s,\n", tc.Alertname, tc.EvalTime)
	fmt.Fprintf(&b, "    expected %s, got %s", plural(len(exp), "firing alert"), plural(len(got), ""))
	missing, unexpected, changed := diffLabeled(exp, got)
	for _, c := range changed {
		fmt.Fprintf(&b, "\n    annotations differ for %s:", c.exp.labels)
		for _, line := range diffLabels(c.exp.annotations, c.got.annotations) {
			b.WriteString("\n        " + line)
		}
	}
	for _, m := range missing {
		fmt.Fprintf(&b, "\n    missing:    %s\n                annotations %s", m.labels, m.annotations)
		if a := pending[m.labels.Hash()]; a != nil {
			fmt.Fprintf(&b, "\n                (pending since %s%s)", formatOffset(a.ActiveAt), fireHint(a, holdFor))
		} else if c, diff := closest(m, unexpected); len(diff) > 0 {
			fmt.Fprintf(&b, "\n                closest got %s:", c.labels)
			for _, line := range diff {
				b.WriteString("\n                    " + line)
			}
		}
	}
	for _, u := range unexpected {
		fmt.Fprintf(&b, "\n    unexpected: %s\n                annotations %s", u.labels, u.annotations)
	}
	r.fail("%s", b.String())
}

// fireHint says when a pending alert would fire, when its rule is known.
func fireHint(a *alert.Alert, holdFor []time.Duration) string {
	if len(holdFor) != 1 {
		return ""
	}
	return fmt.Sprintf("; with for: %s it fires at %s", model.Duration(holdFor[0]), formatOffset(a.ActiveAt.Add(holdFor[0])))
}

type labeledPair struct{ exp, got labeled }

// closest returns the got alert whose labels differ least from m's, and
// how, when at most two labels differ.
func closest(m labeled, got []labeled) (labeled, []string) {
	var best labeled
	var bestDiff []string
	for _, g := range got {
		d := diffLabels(m.labels, g.labels)
		if len(d) <= 2 && (bestDiff == nil || len(d) < len(bestDiff)) {
			best, bestDiff = g, d
		}
	}
	return best, bestDiff
}

// diffLabeled pairs expected and got alerts by labels: pairs whose
// annotations differ, expected ones without a match, got ones without a
// match.
func diffLabeled(exp, got []labeled) (missing, unexpected []labeled, changed []labeledPair) {
	used := make([]bool, len(got))
	var rest []labeled
	for _, e := range exp {
		found := false
		for i, g := range got {
			if !used[i] && compareLabeled(e, g) == 0 {
				used[i], found = true, true
				break
			}
		}
		if !found {
			rest = append(rest, e)
		}
	}
	for _, e := range rest {
		found := false
		for i, g := range got {
			if !used[i] && labels.Equal(e.labels, g.labels) {
				used[i], found = true, true
				changed = append(changed, labeledPair{e, g})
				break
			}
		}
		if !found {
			missing = append(missing, e)
		}
	}
	for i, g := range got {
		if !used[i] {
			unexpected = append(unexpected, g)
		}
	}
	return missing, unexpected, changed
}

// diffLabels lists, one per line, what differs between two label sets.
func diffLabels(exp, got labels.Labels) []string {
	var out []string
	exp.Range(func(l labels.Label) {
		switch v := got.Get(l.Name); {
		case !got.Has(l.Name):
			out = append(out, fmt.Sprintf("%s: expected %q, got none", l.Name, l.Value))
		case v != l.Value:
			out = append(out, fmt.Sprintf("%s: expected %q, got %q", l.Name, l.Value, v))
		}
	})
	got.Range(func(l labels.Label) {
		if !exp.Has(l.Name) {
			out = append(out, fmt.Sprintf("%s: not expected, got %q", l.Name, l.Value))
		}
	})
	return out
}

func plural(n int, what string) string {
	if what == "" {
		return strconv.Itoa(n)
	}
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// checkPromQL runs every promql_expr_test at its time, after the rules
// were evaluated up to the last test time (as in promtool), and compares
// the result exactly: labels, and values with ==.
func (r *groupRun) checkPromQL(ctx context.Context) {
	p := parser.NewParser(parser.Options{})
	for _, tc := range r.tg.PromQLExprTests {
		head := fmt.Sprintf("expr: %q, time: %s,", tc.Expr, tc.EvalTime)
		vec, err := r.eng.instant(ctx, tc.Expr, epoch.Add(time.Duration(tc.EvalTime)))
		if err != nil {
			r.fail("%s err: %v", head, err)
			continue
		}
		var exp, got []expSample
		bad := false
		for _, s := range tc.ExpSamples {
			ls, err := p.ParseMetric(s.Labels)
			if err != nil {
				r.fail("%s err: labels %q: %v", head, s.Labels, err)
				bad = true
				break
			}
			exp = append(exp, expSample{ls, s.Value})
		}
		if bad {
			continue
		}
		for _, s := range vec {
			got = append(got, expSample{s.Metric, s.F})
		}
		cmp := func(a, b expSample) int { return labels.Compare(a.labels, b.labels) }
		slices.SortStableFunc(exp, cmp)
		slices.SortStableFunc(got, cmp)
		if slices.EqualFunc(exp, got, func(a, b expSample) bool {
			return labels.Equal(a.labels, b.labels) && a.value == b.value
		}) {
			continue
		}
		var b strings.Builder
		b.WriteString(head)
		fmt.Fprintf(&b, "\n    expected %s, got %s", plural(len(exp), "sample"), plural(len(got), ""))
		used := make([]bool, len(got))
		for _, e := range exp {
			match := -1
			for i, g := range got {
				if !used[i] && labels.Equal(e.labels, g.labels) {
					match = i
					if g.value == e.value {
						break
					}
				}
			}
			switch {
			case match < 0:
				fmt.Fprintf(&b, "\n    missing:    %s", e)
			case got[match].value != e.value:
				used[match] = true
				fmt.Fprintf(&b, "\n    value differs for %s: expected %s, got %s", e.labels, formatFloat(e.value), formatFloat(got[match].value))
			default:
				used[match] = true
			}
		}
		for i, g := range got {
			if !used[i] {
				fmt.Fprintf(&b, "\n    unexpected: %s", g)
			}
		}
		r.fail("%s", b.String())
	}
}

type expSample struct {
	labels labels.Labels
	value  float64
}

func (s expSample) String() string { return s.labels.String() + " " + formatFloat(s.value) }

// formatFloat prints a value as promtool does (1E+00), which also shows
// the digits a rounded form would hide.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'E', -1, 64) }

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
