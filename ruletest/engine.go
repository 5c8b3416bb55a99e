package ruletest

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/alerter/alerter/evaluator"
)

// engine is Prometheus's PromQL engine over a test's storage. It answers
// the evaluator's queries (evaluator.Querier), recording rules and
// promql_expr_test.
type engine struct {
	ng *promql.Engine
	st *memStorage
	// compat parses Prometheus 2 names (holt_winters) for rewriting.
	compat  parser.Parser
	rewrite map[string]string
}

// engineOptions mirror promtool's: the @ modifier and negative offsets
// are on, subqueries without a step use the evaluation interval.
type engineOptions struct {
	maxSamples       int
	subqueryInterval time.Duration
}

func newEngine(st *memStorage, o engineOptions) *engine {
	step := o.subqueryInterval.Milliseconds()
	ng := promql.NewEngine(promql.EngineOpts{
		MaxSamples:               o.maxSamples,
		Timeout:                  100 * time.Second,
		NoStepSubqueryIntervalFn: func(int64) int64 { return step },
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		Parser:                   parser.NewParser(parser.Options{EnableExperimentalFunctions: true}),
	})
	fns := maps.Clone(parser.Functions)
	fns["holt_winters"] = &parser.Function{
		Name:       "holt_winters",
		ArgTypes:   []parser.ValueType{parser.ValueTypeMatrix, parser.ValueTypeScalar, parser.ValueTypeScalar},
		ReturnType: parser.ValueTypeVector,
	}
	return &engine{
		ng:      ng,
		st:      st,
		compat:  parser.NewParser(parser.Options{EnableExperimentalFunctions: true, Functions: fns}),
		rewrite: map[string]string{},
	}
}

// Close stops the engine.
func (e *engine) Close() error { return e.ng.Close() }

// prometheus3 returns q with Prometheus 2 function names that Prometheus
// 3 renamed (holt_winters, now double_exponential_smoothing) in their new
// form, so that rule files written for Prometheus 2 evaluate.
func (e *engine) prometheus3(q string) string {
	if r, ok := e.rewrite[q]; ok {
		return r
	}
	r := q
	if expr, err := e.compat.ParseExpr(q); err == nil {
		renamed := false
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			if c, ok := n.(*parser.Call); ok && c.Func.Name == "holt_winters" {
				c.Func = parser.Functions["double_exponential_smoothing"]
				renamed = true
			}
			return nil
		})
		if renamed {
			r = expr.String()
		}
	}
	e.rewrite[q] = r
	return r
}

// queryError is a PromQL error: the rule's, never the datasource's.
type queryError struct{ err error }

func (e *queryError) Error() string     { return e.err.Error() }
func (e *queryError) Unwrap() error     { return e.err }
func (e *queryError) Unavailable() bool { return false }

// errNotVector is Prometheus's error for a rule whose result is a range
// vector or a string.
var errNotVector = errors.New("rule result is not a vector or scalar")

// instant runs q at ts; a scalar becomes one sample without labels, as in
// Prometheus's rule evaluation.
func (e *engine) instant(ctx context.Context, q string, ts time.Time) (promql.Vector, error) {
	qry, err := e.ng.NewInstantQuery(ctx, e.st, nil, e.prometheus3(q), ts)
	if err != nil {
		return nil, &queryError{err}
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, &queryError{res.Err}
	}
	switch v := res.Value.(type) {
	case promql.Vector:
		return v, nil
	case promql.Scalar:
		return promql.Vector{promql.Sample{T: v.T, F: v.V, Metric: labels.Labels{}}}, nil
	default:
		return nil, &queryError{errNotVector}
	}
}

// Query implements evaluator.Querier.
func (e *engine) Query(ctx context.Context, q string, ts time.Time, into *evaluator.Vector) error {
	into.Reset()
	vec, err := e.instant(ctx, q, ts)
	if err != nil {
		return err
	}
	var ls []evaluator.Label
	for _, s := range vec {
		ls = ls[:0]
		s.Metric.Range(func(l labels.Label) {
			ls = append(ls, evaluator.Label{Name: l.Name, Value: l.Value})
		})
		into.Append(ls, s.F)
	}
	return nil
}
