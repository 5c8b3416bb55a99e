package rules

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/prometheus/promql/parser"
)

// Condition pushdown. An alerting rule in alerter's form (query plus
// condition, resolve, severities) makes the datasource ship every series
// of its query, most of which the condition then drops. Where the
// conditions compare value with number literals and labels with string
// literals, the band of series that can matter (see band) is known at
// load, and the query is sent filtered to it:
//
//	query: rate(errors[5m]), condition: value > 0.9 && labels.env == "prod"
//	sent:  (rate(errors[5m])) > 0.9 and on(env) label_replace(vector(1), "env", "prod", "env", "")
//
// A series can matter when the condition holds (and, with severities, one
// of them does), or, with resolve, when resolve does not hold: an active
// alert stays active on such a series. PromQL's filtering comparisons keep
// the left-hand side's value and labels, __name__ included, and drop NaN
// as expr-lang's comparisons are false for it; `and on(l)` and
// `unless on(l)` keep or drop the left-hand side's series by their label
// l alone, reading a missing label as "" as conditions do.
//
// A band that admits NaN together with a bounded set of other values (the
// hysteresis band of `condition: value > 0.9, resolve: value < 0.8` is
// value >= 0.8 or NaN: an alert whose value turns NaN stays active) cannot
// be one filter over one evaluation of the query: filters only narrow,
// and keeping NaN takes a union with a second evaluation. Such bands push
// only their label constraints.

// matterBand is the band of series that can matter to the rule's
// evaluation, topBand when it cannot be narrowed: for recording rules,
// `pushdown: false`, queries that are not vectors, and conditions
// without a fast path (which may fail on a series: filtering that series
// out would hide the failure).
func (r *Rule) matterBand() band {
	if !r.IsAlerting() || r.NoPushdown || r.QueryType != string(parser.ValueTypeVector) {
		return topBand()
	}
	conds := []*Condition{r.Condition, r.Resolve}
	for _, s := range r.Severities {
		conds = append(conds, s.Condition)
	}
	for _, c := range conds {
		if c != nil && !c.Fast() {
			return topBand()
		}
	}
	b := topBand()
	if r.Condition != nil {
		b = r.Condition.band
	}
	if len(r.Severities) > 0 {
		any := noneBand()
		for _, s := range r.Severities {
			any = join(any, s.Condition.band)
		}
		b = meet(b, any)
	}
	if r.Resolve != nil {
		// Every series the condition does not select has its alert labels
		// computed, to find an active alert to keep: a template that
		// fails there fails the rule, and must still.
		for _, t := range r.LabelTemplates {
			if t != nil && !t.Static() {
				return topBand()
			}
		}
		b = join(b, r.Resolve.notBand)
	}
	return b
}

// pushdown sets PushedQuery on the group's alerting rules. Rules that ask
// the same question share the union of their bands, so that they still
// share one answer.
func (p *fileParser) pushdown(g *Group) {
	bands := map[string]band{}
	for _, r := range g.Rules {
		if r.QueryKey == "" {
			continue
		}
		b, seen := bands[r.QueryKey]
		if !seen {
			b = noneBand()
		}
		bands[r.QueryKey] = join(b, r.matterBand())
	}
	for _, r := range g.Rules {
		if !r.IsAlerting() || r.QueryKey == "" {
			continue
		}
		q := pushedQuery(r.Query, bands[r.QueryKey])
		if q == "" {
			continue
		}
		// Belt and braces: what is sent must parse, as a vector.
		if e, err := p.promql.ParseExpr(q); err != nil || e.Type() != parser.ValueTypeVector {
			continue
		}
		r.PushedQuery = q
	}
}

// pushedQuery is query filtered to b in PromQL, or "" when b filters
// nothing that one evaluation of query can express.
func pushedQuery(query string, b band) string {
	var filter []string
	if b.none {
		// Nothing can matter; the query still runs, so that its errors
		// show.
		filter = append(filter, "< -Inf")
	} else if !b.v.nan {
		filter = append(filter, valueFilter(b.v)...)
	}
	var sets []string
	if !b.none {
		sets = labelFilters(b.labels)
	}
	if len(filter) == 0 && len(sets) == 0 {
		return ""
	}
	// A newline ends a trailing # comment of the query.
	var s strings.Builder
	s.WriteString("(")
	s.WriteString(query)
	s.WriteString("\n)")
	for _, f := range filter {
		s.WriteString(" ")
		s.WriteString(f)
	}
	for _, f := range sets {
		s.WriteString(" ")
		s.WriteString(f)
	}
	return s.String()
}

// valueFilter renders a set of real values (no NaN) as PromQL filtering
// comparisons, which also drop NaN.
func valueFilter(v valueSet) []string {
	if v.empty {
		return []string{"< -Inf"}
	}
	if v.lo == v.hi {
		return []string{"== " + promNumber(v.lo)}
	}
	var out []string
	if !math.IsInf(v.lo, -1) || v.loOpen {
		op := ">= "
		if v.loOpen {
			op = "> "
		}
		out = append(out, op+promNumber(v.lo))
	}
	if !math.IsInf(v.hi, 1) || v.hiOpen {
		op := "<= "
		if v.hiOpen {
			op = "< "
		}
		out = append(out, op+promNumber(v.hi))
	}
	if len(out) == 0 {
		out = append(out, ">= -Inf") // every real value: drops NaN only
	}
	return out
}

// promNumber renders f as a PromQL number literal that parses back to f.
func promNumber(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// promLabelName matches the label names every PromQL parser accepts
// unquoted.
var promLabelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// labelFilters renders label constraints as `and on(...)` and
// `unless on(...)` against constant vectors built with label_replace.
// Constraints on __name__, on names PromQL cannot write unquoted and with
// values that are not valid UTF-8 are left out (the band only widens).
func labelFilters(labels map[string]labelSet) []string {
	var (
		eqNames []string
		out     []string
	)
	names := make([]string, 0, len(labels))
	for name := range labels {
		names = append(names, name)
	}
	slices.Sort(names)
	eq := "vector(1)"
	for _, name := range names {
		l := labels[name]
		if name == "__name__" || !promLabelName.MatchString(name) || strings.HasPrefix(name, "__") {
			continue
		}
		if l.isEq {
			if !utf8.ValidString(l.eq) {
				continue
			}
			eqNames = append(eqNames, name)
			eq = constLabel(eq, name, l.eq)
			continue
		}
		var alts []string
		for _, v := range l.ne {
			if !utf8.ValidString(v) {
				alts = nil
				break
			}
			alts = append(alts, constLabel("vector(1)", name, v))
		}
		if len(alts) > 0 {
			out = append(out, "unless on("+name+") ("+strings.Join(alts, " or ")+")")
		}
	}
	if len(eqNames) > 0 {
		out = append([]string{"and on(" + strings.Join(eqNames, ", ") + ") " + eq}, out...)
	}
	return out
}

// constLabel sets label name to value on the series of vec (which have no
// such label: the empty pattern matches its missing value).
func constLabel(vec, name, value string) string {
	n := strconv.Quote(name)
	return "label_replace(" + vec + ", " + n + ", " + strconv.Quote(value) + ", " + n + `, "")`
}
