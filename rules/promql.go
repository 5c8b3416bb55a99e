package rules

import (
	"errors"
	"maps"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// newPromQLParser returns the parser for rule expressions: Prometheus 3's,
// with its experimental functions, plus holt_winters, which Prometheus 3
// renamed double_exponential_smoothing but which rule files written for
// Prometheus 2 (and accepted by its promtool) still use. alerter sends
// the query to the datasource as written, which decides whether it runs.
func newPromQLParser() parser.Parser {
	fns := maps.Clone(parser.Functions)
	if _, ok := fns["holt_winters"]; !ok {
		fns["holt_winters"] = &parser.Function{
			Name:       "holt_winters",
			ArgTypes:   []parser.ValueType{parser.ValueTypeMatrix, parser.ValueTypeScalar, parser.ValueTypeScalar},
			ReturnType: parser.ValueTypeVector,
		}
	}
	return parser.NewParser(parser.Options{EnableExperimentalFunctions: true, Functions: fns})
}

// parsePromQL parses q, the value of n, and reports syntax errors at their
// position in the file. It returns the expression's canonical form
// (Prometheus's own printing of the parsed expression), or "" on error,
// the metric-name matchers of its selectors (see Rule.MayRead), and its
// type.
func (p *fileParser) parsePromQL(n *yaml.Node, field, q string) (string, [][]*labels.Matcher, string) {
	expr, err := p.promql.ParseExpr(q)
	if err == nil {
		return expr.String(), nameMatchers(expr), string(expr.Type())
	}
	const prefix = "could not parse expression: "
	var (
		list parser.ParseErrors
		one  *parser.ParseErr
	)
	switch {
	case errors.As(err, &list) && len(list) > 0:
		for _, e := range list {
			p.errorAt(n, int(e.PositionRange.Start), field, prefix+e.Err.Error())
		}
	case errors.As(err, &one):
		p.errorAt(n, int(one.PositionRange.Start), field, prefix+one.Err.Error())
	default:
		p.errorf(n, field, "%s%v", prefix, err)
	}
	return "", nil, ""
}

// nameMatchers returns, for each vector selector of expr (also inside
// range selectors and subqueries), its matchers on __name__: empty for a
// selector that names no metric and so may read any.
func nameMatchers(expr parser.Expr) [][]*labels.Matcher {
	var out [][]*labels.Matcher
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		ms := []*labels.Matcher{}
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName {
				ms = append(ms, m)
			}
		}
		out = append(out, ms)
		return nil
	})
	return out
}
