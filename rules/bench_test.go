package rules

import (
	"testing"

	"github.com/expr-lang/expr/vm"
)

// BenchmarkConditionEval measures one condition evaluation per series
// with a VM reused across series, as the evaluator does.
func BenchmarkConditionEval(b *testing.B) {
	c, err := CompileCondition(`value > 0.9 && labels.env == "prod" && !(labels.route startsWith "/internal")`)
	if err != nil {
		b.Fatal(err)
	}
	env := &Env{Value: 0.95, Labels: map[string]string{"env": "prod", "route": "/api/v1", "instance": "a:1"}}
	var m vm.VM
	b.ReportAllocs()
	for b.Loop() {
		ok, err := c.Eval(&m, env)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkConditionEvalFast is the same condition on its fast path, as
// the evaluator runs it: no VM, no label map, no allocation.
func BenchmarkConditionEvalFast(b *testing.B) {
	c, err := CompileCondition(`value > 0.9 && labels.env == "prod" && !(labels.route startsWith "/internal")`)
	if err != nil || !c.Fast() {
		b.Fatal(err, "no fast path")
	}
	ls := benchLabels{{"env", "prod"}, {"instance", "a:1"}, {"route", "/api/v1"}}
	b.ReportAllocs()
	for b.Loop() {
		if !c.EvalFast(0.95, &ls) {
			b.Fatal("false")
		}
	}
}

// benchLabels is a sorted label slice like the evaluator's.
type benchLabels [][2]string

func (ls *benchLabels) Label(name string) string {
	for _, l := range *ls {
		if l[0] == name {
			return l[1]
		}
	}
	return ""
}

// BenchmarkConditionEvalNoVM is the same without a reused VM, for
// comparison.
func BenchmarkConditionEvalNoVM(b *testing.B) {
	c, err := CompileCondition(`value > 0.9 && labels.env == "prod"`)
	if err != nil {
		b.Fatal(err)
	}
	env := &Env{Value: 0.95, Labels: map[string]string{"env": "prod"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Eval(nil, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse measures loading a realistic rule file.
func BenchmarkParse(b *testing.B) {
	content := []byte(`groups:
  - name: api
    rules:
      - alert: HighErrorRatio
        query: sum by (service, env) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (service, env) (rate(http_requests_total[5m]))
        condition: labels.env == "prod"
        severities:
          - {severity: critical, condition: value > 0.2}
          - {severity: warning, condition: value > 0.05}
        for: 5m
        annotations:
          summary: "{{ $labels.service }}: {{ humanizePercentage $value }} errors"
`)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse("r.yml", content); err != nil {
			b.Fatal(err)
		}
	}
}
