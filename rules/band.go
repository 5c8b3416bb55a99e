package rules

import (
	"math"
	"slices"

	"github.com/expr-lang/expr/ast"
)

// band over-approximates the series for which a condition can hold: every
// series that satisfies the condition lies in the band (the converse need
// not hold). It is a conjunction of a set of values and, per label, either
// one value the label must have or values it must not have; a missing
// label reads as "", as in conditions. The zero band is not valid: start
// from topBand.
//
// Bands are what condition pushdown sends to the datasource: filtering a
// query by a band that contains every series that can matter leaves the
// rule's evaluation unchanged.
type band struct {
	v      valueSet
	labels map[string]labelSet
	none   bool // no series at all
}

// valueSet is a set of float64 values: an interval of the extended reals
// (possibly empty), plus NaN or not.
type valueSet struct {
	lo, hi         float64
	loOpen, hiOpen bool
	empty          bool // no real value; lo and hi mean nothing
	nan            bool
}

// labelSet constrains one label: it equals eq (isEq), or it differs from
// every value of ne (sorted, distinct).
type labelSet struct {
	isEq bool
	eq   string
	ne   []string
}

func topBand() band {
	return band{v: valueSet{lo: math.Inf(-1), hi: math.Inf(1), nan: true}}
}

func noneBand() band { return band{none: true} }

// isTop reports whether the band admits every series.
func (b band) isTop() bool { return !b.none && b.v.all() && len(b.labels) == 0 }

// all reports whether every value, NaN included, is in the set.
func (v valueSet) all() bool { return v.nan && v.allReals() }

// allReals reports whether every real value (infinities included) is in
// the set.
func (v valueSet) allReals() bool {
	return !v.empty && math.IsInf(v.lo, -1) && !v.loOpen && math.IsInf(v.hi, 1) && !v.hiOpen
}

// normalize makes an interval with no value empty, and a band with no
// value at all none.
func (b band) normalize() band {
	if b.none {
		return noneBand()
	}
	v := &b.v
	if !v.empty && (v.lo > v.hi || v.lo == v.hi && (v.loOpen || v.hiOpen)) {
		v.empty = true
	}
	if v.empty {
		v.lo, v.hi, v.loOpen, v.hiOpen = 0, 0, false, false
		if !v.nan {
			return noneBand()
		}
	}
	return b
}

// meet is the intersection of two bands.
func meet(a, b band) band {
	if a.none || b.none {
		return noneBand()
	}
	out := band{v: meetValues(a.v, b.v)}
	for name, la := range a.labels {
		lb, ok := b.labels[name]
		if !ok {
			out.setLabel(name, la)
			continue
		}
		l, ok := meetLabels(la, lb)
		if !ok {
			return noneBand()
		}
		out.setLabel(name, l)
	}
	for name, lb := range b.labels {
		if _, ok := a.labels[name]; !ok {
			out.setLabel(name, lb)
		}
	}
	return out.normalize()
}

// join is the smallest band that contains both (their union, widened to
// what a band can express).
func join(a, b band) band {
	if a.none {
		return b
	}
	if b.none {
		return a
	}
	out := band{v: joinValues(a.v, b.v)}
	for name, la := range a.labels {
		lb, ok := b.labels[name]
		if !ok {
			continue // unconstrained on one side: unconstrained
		}
		if l, ok := joinLabels(la, lb); ok {
			out.setLabel(name, l)
		}
	}
	return out.normalize()
}

func (b *band) setLabel(name string, l labelSet) {
	if b.labels == nil {
		b.labels = map[string]labelSet{}
	}
	b.labels[name] = l
}

func meetValues(a, b valueSet) valueSet {
	out := valueSet{nan: a.nan && b.nan}
	if a.empty || b.empty {
		out.empty = true
		return out
	}
	out.lo, out.loOpen = a.lo, a.loOpen
	if b.lo > out.lo || b.lo == out.lo && b.loOpen {
		out.lo, out.loOpen = b.lo, b.loOpen
	}
	out.hi, out.hiOpen = a.hi, a.hiOpen
	if b.hi < out.hi || b.hi == out.hi && b.hiOpen {
		out.hi, out.hiOpen = b.hi, b.hiOpen
	}
	return out
}

func joinValues(a, b valueSet) valueSet {
	nan := a.nan || b.nan
	switch {
	case a.empty:
		b.nan = nan
		return b
	case b.empty:
		a.nan = nan
		return a
	}
	out := valueSet{nan: nan}
	out.lo, out.loOpen = a.lo, a.loOpen
	if b.lo < out.lo || b.lo == out.lo && !b.loOpen {
		out.lo, out.loOpen = b.lo, b.loOpen
	}
	out.hi, out.hiOpen = a.hi, a.hiOpen
	if b.hi > out.hi || b.hi == out.hi && !b.hiOpen {
		out.hi, out.hiOpen = b.hi, b.hiOpen
	}
	return out
}

// meetLabels intersects two constraints on one label; false when nothing
// satisfies both.
func meetLabels(a, b labelSet) (labelSet, bool) {
	switch {
	case a.isEq && b.isEq:
		return a, a.eq == b.eq
	case a.isEq:
		return a, !slices.Contains(b.ne, a.eq)
	case b.isEq:
		return b, !slices.Contains(a.ne, b.eq)
	}
	ne := append(slices.Clone(a.ne), b.ne...)
	slices.Sort(ne)
	return labelSet{ne: slices.Compact(ne)}, true
}

// joinLabels is the smallest constraint that admits both; false when that
// is no constraint at all.
func joinLabels(a, b labelSet) (labelSet, bool) {
	switch {
	case a.isEq && b.isEq:
		return a, a.eq == b.eq
	case a.isEq:
		a, b = b, a
		fallthrough
	case b.isEq:
		// a excludes a.ne; b admits only b.eq: together, all but a.ne
		// without b.eq.
		ne := slices.DeleteFunc(slices.Clone(a.ne), func(s string) bool { return s == b.eq })
		return labelSet{ne: ne}, len(ne) > 0
	}
	var ne []string
	for _, s := range a.ne {
		if slices.Contains(b.ne, s) {
			ne = append(ne, s)
		}
	}
	return labelSet{ne: ne}, len(ne) > 0
}

// conditionBand computes the band of a condition from its expression tree.
// Only comparisons of value with a number literal and of a label with a
// string literal (== and !=) constrain it; anything else it does not
// understand counts as "any series", which keeps the band a sound
// over-approximation. neg computes the band of the negated expression.
func conditionBand(n ast.Node, neg bool) band {
	switch n := n.(type) {
	case *ast.BoolNode:
		if n.Value != neg {
			return topBand()
		}
		return noneBand()
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			return conditionBand(n.Node, !neg)
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "&&", "and", "||", "or":
			l, r := conditionBand(n.Left, neg), conditionBand(n.Right, neg)
			// De Morgan: a negated conjunction is a disjunction.
			if (n.Operator == "&&" || n.Operator == "and") != neg {
				return meet(l, r)
			}
			return join(l, r)
		case "==", "!=", "<", ">", "<=", ">=":
			if b, ok := valueComparison(n, neg); ok {
				return b
			}
			if b, ok := labelComparison(n, neg); ok {
				return b
			}
		}
	}
	return topBand()
}

// flipped is the operator with its operands swapped (a < b is b > a).
var flipped = map[string]string{"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}

// negated is the comparison that holds exactly when the operator's does
// not, for real operands (NaN aside).
var negated = map[string]string{"==": "!=", "!=": "==", "<": ">=", ">": "<=", "<=": ">", ">=": "<"}

// valueComparison is the band of `value OP literal` or `literal OP value`.
// A comparison with NaN is false, so the negation of an ordering holds
// for NaN: !(value > 1) is value <= 1 or NaN.
func valueComparison(n *ast.BinaryNode, neg bool) (band, bool) {
	l, ok1 := fastNum(n.Left)
	r, ok2 := fastNum(n.Right)
	if !ok1 || !ok2 {
		return band{}, false
	}
	op := n.Operator
	var c float64
	switch {
	case l.isVal && r.lit != nil:
		c = r.lit.float()
	case r.isVal && l.lit != nil:
		c, op = l.lit.float(), flipped[op]
	default:
		return band{}, false
	}
	nan := false
	if neg {
		op, nan = negated[op], op != "!="
	}
	inf := math.Inf(1)
	b := topBand()
	b.v = valueSet{lo: -inf, hi: inf, nan: nan}
	switch op {
	case "==":
		b.v.lo, b.v.hi = c, c
	case "!=":
		// Every value but c, and NaN: the band cannot leave out one
		// point.
		b.v.nan = true
	case "<":
		b.v.hi, b.v.hiOpen = c, true
	case "<=":
		b.v.hi = c
	case ">":
		b.v.lo, b.v.loOpen = c, true
	case ">=":
		b.v.lo = c
	}
	return b.normalize(), true
}

// labelComparison is the band of `labels.x == "s"` or `labels.x != "s"`
// (either way round).
func labelComparison(n *ast.BinaryNode, neg bool) (band, bool) {
	if n.Operator != "==" && n.Operator != "!=" {
		return band{}, false
	}
	name, ok := labelRef(n.Left)
	lit, isLit := n.Right.(*ast.StringNode)
	if !ok || !isLit {
		name, ok = labelRef(n.Right)
		lit, isLit = n.Left.(*ast.StringNode)
		if !ok || !isLit {
			return band{}, false
		}
	}
	eq := (n.Operator == "==") != neg
	b := topBand()
	if eq {
		b.setLabel(name, labelSet{isEq: true, eq: lit.Value})
	} else {
		b.setLabel(name, labelSet{ne: []string{lit.Value}})
	}
	return b, true
}
