package rules

import (
	"regexp"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/parser"
)

// LabelSource gives a condition's fast path the labels of one series
// without a map.
type LabelSource interface {
	// Label returns the named label's value, "" when it is absent (what
	// expr-lang reads for a missing key of Env.Labels).
	Label(name string) string
}

// Fast reports whether the condition has a fast path: it is built only from
// comparisons of value and arithmetic on it with number literals, of labels
// with string literals or other labels (==, !=, <, >, matches, contains,
// startsWith, endsWith, in [...]), and &&, ||, !. Such conditions are run
// by plain Go functions, with no boxing and no allocation.
func (c *Condition) Fast() bool { return c.fast != nil }

// EvalFast runs a condition that has a fast path (see Fast) for one series.
// Its result is the one Eval gives for Env{Value: value, Labels: the same
// labels as a map}.
func (c *Condition) EvalFast(value float64, ls LabelSource) bool { return c.fast(value, ls) }

type (
	boolFn func(v float64, ls LabelSource) bool
	numFn  func(v float64) float64
	strFn  func(ls LabelSource) string
)

// parseFast parses src, which expr.Compile accepted, into the tree the
// fast path is built from; nil if it does not parse.
func parseFast(src string) ast.Node {
	cfg := conf.CreateNew()
	expr.Env(Env{})(cfg)
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return nil
	}
	return tree.Node
}

func fastBool(n ast.Node) (boolFn, bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		b := n.Value
		return func(float64, LabelSource) bool { return b }, true
	case *ast.UnaryNode:
		if n.Operator != "!" && n.Operator != "not" {
			return nil, false
		}
		f, ok := fastBool(n.Node)
		if !ok {
			return nil, false
		}
		return func(v float64, ls LabelSource) bool { return !f(v, ls) }, true
	case *ast.BinaryNode:
		return fastBinary(n)
	}
	return nil, false
}

func fastBinary(n *ast.BinaryNode) (boolFn, bool) {
	switch n.Operator {
	case "&&", "and", "||", "or":
		l, ok1 := fastBool(n.Left)
		r, ok2 := fastBool(n.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		if n.Operator == "&&" || n.Operator == "and" {
			return func(v float64, ls LabelSource) bool { return l(v, ls) && r(v, ls) }, true
		}
		return func(v float64, ls LabelSource) bool { return l(v, ls) || r(v, ls) }, true
	case "==", "!=", "<", ">", "<=", ">=":
		if f, ok := numCompare(n); ok {
			return f, true
		}
		return strCompare(n)
	case "matches":
		l, ok := fastStr(n.Left)
		pat, isLit := n.Right.(*ast.StringNode)
		if !ok || !isLit {
			return nil, false
		}
		re, err := regexp.Compile(pat.Value)
		if err != nil {
			return nil, false
		}
		return func(_ float64, ls LabelSource) bool { return re.MatchString(l(ls)) }, true
	case "contains", "startsWith", "endsWith":
		l, ok1 := fastStr(n.Left)
		r, ok2 := fastStr(n.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		op := strings.Contains
		switch n.Operator {
		case "startsWith":
			op = strings.HasPrefix
		case "endsWith":
			op = strings.HasSuffix
		}
		return func(_ float64, ls LabelSource) bool { return op(l(ls), r(ls)) }, true
	case "in":
		return fastIn(n)
	}
	return nil, false
}

// numLit is a number literal as expr-lang holds it: an int stays an int
// (negation wraps) until it meets a float.
type numLit struct {
	isInt bool
	i     int
	f     float64
}

func (l numLit) float() float64 {
	if l.isInt {
		return float64(l.i)
	}
	return l.f
}

// numExpr is a numeric operand: a literal, or a function of value.
type numExpr struct {
	lit   *numLit
	isVal bool // exactly `value`
	fn    numFn
}

func fastNum(n ast.Node) (numExpr, bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		if n.Value != "value" {
			return numExpr{}, false
		}
		return numExpr{isVal: true, fn: func(v float64) float64 { return v }}, true
	case *ast.IntegerNode:
		return numExpr{lit: &numLit{isInt: true, i: n.Value}}, true
	case *ast.FloatNode:
		return numExpr{lit: &numLit{f: n.Value}}, true
	case *ast.UnaryNode:
		x, ok := fastNum(n.Node)
		if !ok {
			return numExpr{}, false
		}
		switch n.Operator {
		case "+":
			x.isVal = false
			return x, true
		case "-":
			if x.lit != nil {
				l := *x.lit
				l.i, l.f = -l.i, -l.f
				return numExpr{lit: &l}, true
			}
			f := x.fn
			return numExpr{fn: func(v float64) float64 { return -f(v) }}, true
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "+", "-", "*", "/":
		default:
			return numExpr{}, false
		}
		l, ok1 := fastNum(n.Left)
		r, ok2 := fastNum(n.Right)
		// Arithmetic between literals alone follows expr-lang's int rules;
		// with value in it, it is float64 arithmetic, as here.
		if !ok1 || !ok2 || l.lit != nil && r.lit != nil {
			return numExpr{}, false
		}
		lf, rf := l.asFn(), r.asFn()
		var f numFn
		switch n.Operator {
		case "+":
			f = func(v float64) float64 { return lf(v) + rf(v) }
		case "-":
			f = func(v float64) float64 { return lf(v) - rf(v) }
		case "*":
			f = func(v float64) float64 { return lf(v) * rf(v) }
		default:
			f = func(v float64) float64 { return lf(v) / rf(v) }
		}
		return numExpr{fn: f}, true
	}
	return numExpr{}, false
}

func (e numExpr) asFn() numFn {
	if e.lit != nil {
		c := e.lit.float()
		return func(float64) float64 { return c }
	}
	return e.fn
}

// numCompare compiles a comparison of numbers, at least one of which
// depends on value (so that expr-lang compares float64s too).
func numCompare(n *ast.BinaryNode) (boolFn, bool) {
	l, ok1 := fastNum(n.Left)
	r, ok2 := fastNum(n.Right)
	if !ok1 || !ok2 || l.lit != nil && r.lit != nil {
		return nil, false
	}
	// The common `value OP literal` reads value directly.
	if l.isVal && r.lit != nil {
		c := r.lit.float()
		switch n.Operator {
		case "==":
			return func(v float64, _ LabelSource) bool { return v == c }, true
		case "!=":
			return func(v float64, _ LabelSource) bool { return v != c }, true
		case "<":
			return func(v float64, _ LabelSource) bool { return v < c }, true
		case ">":
			return func(v float64, _ LabelSource) bool { return v > c }, true
		case "<=":
			return func(v float64, _ LabelSource) bool { return v <= c }, true
		default:
			return func(v float64, _ LabelSource) bool { return v >= c }, true
		}
	}
	lf, rf := l.asFn(), r.asFn()
	switch n.Operator {
	case "==":
		return func(v float64, _ LabelSource) bool { return lf(v) == rf(v) }, true
	case "!=":
		return func(v float64, _ LabelSource) bool { return lf(v) != rf(v) }, true
	case "<":
		return func(v float64, _ LabelSource) bool { return lf(v) < rf(v) }, true
	case ">":
		return func(v float64, _ LabelSource) bool { return lf(v) > rf(v) }, true
	case "<=":
		return func(v float64, _ LabelSource) bool { return lf(v) <= rf(v) }, true
	default:
		return func(v float64, _ LabelSource) bool { return lf(v) >= rf(v) }, true
	}
}

// labelRef returns the label name of labels.name or labels["name"].
func labelRef(n ast.Node) (string, bool) {
	m, ok := n.(*ast.MemberNode)
	if !ok || m.Optional || m.Method {
		return "", false
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "labels" {
		return "", false
	}
	p, ok := m.Property.(*ast.StringNode)
	if !ok {
		return "", false
	}
	return p.Value, true
}

func fastStr(n ast.Node) (strFn, bool) {
	if s, ok := n.(*ast.StringNode); ok {
		c := s.Value
		return func(LabelSource) string { return c }, true
	}
	if name, ok := labelRef(n); ok {
		return func(ls LabelSource) string { return ls.Label(name) }, true
	}
	return nil, false
}

// strCompare compiles a comparison of strings (labels and literals).
func strCompare(n *ast.BinaryNode) (boolFn, bool) {
	// The common labels.x == "literal" (either way round) reads the label
	// directly.
	if name, ok := labelRef(n.Left); ok {
		if s, ok := n.Right.(*ast.StringNode); ok && (n.Operator == "==" || n.Operator == "!=") {
			c := s.Value
			if n.Operator == "==" {
				return func(_ float64, ls LabelSource) bool { return ls.Label(name) == c }, true
			}
			return func(_ float64, ls LabelSource) bool { return ls.Label(name) != c }, true
		}
	}
	if _, ok := labelRef(n.Right); ok {
		if _, ok := n.Left.(*ast.StringNode); ok && (n.Operator == "==" || n.Operator == "!=") {
			return strCompare(&ast.BinaryNode{Operator: n.Operator, Left: n.Right, Right: n.Left})
		}
	}
	l, ok1 := fastStr(n.Left)
	r, ok2 := fastStr(n.Right)
	if !ok1 || !ok2 {
		return nil, false
	}
	switch n.Operator {
	case "==":
		return func(_ float64, ls LabelSource) bool { return l(ls) == r(ls) }, true
	case "!=":
		return func(_ float64, ls LabelSource) bool { return l(ls) != r(ls) }, true
	case "<":
		return func(_ float64, ls LabelSource) bool { return l(ls) < r(ls) }, true
	case ">":
		return func(_ float64, ls LabelSource) bool { return l(ls) > r(ls) }, true
	case "<=":
		return func(_ float64, ls LabelSource) bool { return l(ls) <= r(ls) }, true
	default:
		return func(_ float64, ls LabelSource) bool { return l(ls) >= r(ls) }, true
	}
}

// fastIn compiles `x in [literals]` for a label and string literals, or
// for value and number literals.
func fastIn(n *ast.BinaryNode) (boolFn, bool) {
	arr, ok := n.Right.(*ast.ArrayNode)
	if !ok {
		return nil, false
	}
	if l, ok := fastStr(n.Left); ok {
		set := make(map[string]struct{}, len(arr.Nodes))
		for _, e := range arr.Nodes {
			s, ok := e.(*ast.StringNode)
			if !ok {
				return nil, false
			}
			set[s.Value] = struct{}{}
		}
		return func(_ float64, ls LabelSource) bool { _, ok := set[l(ls)]; return ok }, true
	}
	l, ok := fastNum(n.Left)
	if !ok || l.lit != nil {
		return nil, false
	}
	vals := make([]float64, 0, len(arr.Nodes))
	for _, e := range arr.Nodes {
		x, ok := fastNum(e)
		if !ok || x.lit == nil {
			return nil, false
		}
		vals = append(vals, x.lit.float())
	}
	f := l.fn
	return func(v float64, _ LabelSource) bool {
		x := f(v)
		for _, c := range vals {
			if x == c {
				return true
			}
		}
		return false
	}, true
}
