package evaluator

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// ruleOf builds the runtime of the only rule of a one-rule file.
func ruleOf(t testing.TB, text string) *ruleRuntime {
	t.Helper()
	set := mustParse(t, text)
	g := set.Groups[0]
	return newRuleRuntime(g.Rules[0], g.Limit, nil, &evalOptions{
		externalLabels:    model.LabelSet{"cluster": "eu1"},
		externalLabelsMap: map[string]string{"cluster": "eu1"},
		generatorBase:     "http://prom:9090",
	})
}

type evalStep struct {
	v      model.Vector
	want   string // "instance:state/severity" sorted, like snapshot()
	events string
}

func runRule(t *testing.T, rt *ruleRuntime, steps []evalStep) {
	t.Helper()
	for i, s := range steps {
		res, err := rt.evaluate(context.Background(), toVector(s.v), t0.Add(time.Duration(i)*time.Minute), nil)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := snapshot(rt.states); got != s.want {
			t.Fatalf("step %d: states %q, want %q", i, got, s.want)
		}
		if got := events(res.Events); got != s.events {
			t.Fatalf("step %d: events %q, want %q", i, got, s.events)
		}
	}
}

func TestConditionSelectsSeries(t *testing.T) {
	rt := ruleOf(t, `groups:
- name: g
  rules:
  - alert: A
    query: x
    condition: value > 0.9 && labels.env == "prod"
`)
	runRule(t, rt, []evalStep{
		{v: vec(smp(0.95, "instance", "a", "env", "prod"), smp(0.95, "instance", "b", "env", "dev"), smp(0.5, "instance", "c", "env", "prod")),
			want: "a:firing", events: "firing:a"},
	})
}

func TestConditionWithoutFastPathUsesTheVM(t *testing.T) {
	rt := ruleOf(t, `groups:
- name: g
  rules:
  - alert: A
    query: x
    condition: len(labels.env) > 3 && value > 0.9
    severities:
    - {severity: critical, condition: upper(labels.env) == "PROD"}
    - {severity: warning, condition: value > 0}
`)
	if rt.rule.Condition.Fast() || rt.rule.Severities[0].Condition.Fast() || !rt.rule.Severities[1].Condition.Fast() {
		t.Fatal("test premise: the conditions are not of the expected kinds")
	}
	runRule(t, rt, []evalStep{
		{v: vec(smp(0.95, "instance", "a", "env", "prod"), smp(0.95, "instance", "b", "env", "dev"), smp(0.95, "instance", "c", "env", "staging")),
			want: "a:firing/critical,c:firing/warning", events: "firing:a,firing:c"},
	})
}

func TestEvaluateSteadyStateAllocatesNothing(t *testing.T) {
	rt := ruleOf(t, `groups:
- name: g
  rules:
  - alert: A
    query: x
    condition: labels.env == "prod"
    resolve: value < 0.8
    severities:
    - {severity: critical, condition: value > 0.97}
    - {severity: warning, condition: value > 0.9}
    annotations: {summary: "CPU busy"}
`)
	var mv model.Vector
	for i := range 300 {
		mv = append(mv, smp(0.99, "instance", strconv.Itoa(i), "env", "prod"))
	}
	v := toVector(mv)
	ctx := context.Background()
	ts := t0
	run := func() {
		ts = ts.Add(time.Minute)
		if _, err := rt.evaluate(ctx, v, ts, nil); err != nil {
			t.Fatal(err)
		}
	}
	run() // new alerts: firing at once
	run()
	if n := testing.AllocsPerRun(20, run); n != 0 {
		t.Fatalf("%v allocations per evaluation of 300 steady firing alerts", n)
	}
}

func TestResolveHysteresis(t *testing.T) {
	rt := ruleOf(t, `groups:
- name: g
  rules:
  - alert: A
    query: x
    condition: value > 0.9
    resolve: value < 0.8
`)
	a := func(v float64) model.Vector { return vec(smp(v, "instance", "a")) }
	runRule(t, rt, []evalStep{
		{v: a(0.85), want: ""},                             // in the band but never active: nothing
		{v: a(0.95), want: "a:firing", events: "firing:a"}, // above: fires
		{v: a(0.85), want: "a:firing"},                     // in the band: stays
		{v: a(0.80), want: "a:firing"},                     // resolve is strict
		{v: a(0.79), want: "a:inactive(resolved)", events: "resolved:a"},
		{v: a(0.85), want: "a:inactive(resolved)"}, // band after resolving: stays resolved
		{v: a(0.95), want: "a:firing", events: "firing:a"},
		{v: nil, want: "a:inactive(resolved)", events: "resolved:a"}, // vanished series resolves
	})
}

func TestSeveritiesRiseAndHysteresis(t *testing.T) {
	rt := ruleOf(t, `groups:
- name: g
  rules:
  - alert: A
    query: x
    condition: labels.env == "prod"
    resolve: value < 0.8
    severities:
    - {severity: critical, condition: value > 0.97}
    - {severity: warning, condition: value > 0.9}
`)
	a := func(v float64) model.Vector { return vec(smp(v, "instance", "a", "env", "prod")) }
	runRule(t, rt, []evalStep{
		{v: a(0.95), want: "a:firing/warning", events: "firing:a"},
		{v: a(0.99), want: "a:firing/critical", events: "severity_raised:a"},
		{v: a(0.85), want: "a:firing/critical"}, // band: keeps its severity
		{v: a(0.95), want: "a:firing/warning"},  // back to warning: no event
		// Another env is another identity, and not active; the prod one vanished.
		{v: vec(smp(0.99, "instance", "a", "env", "dev")), want: "a:inactive(resolved)/warning", events: "resolved:a"},
	})
}

func TestLabelsAndAnnotations(t *testing.T) {
	rt := ruleOf(t, `groups:
- name: g
  labels: {team: infra}
  rules:
  - alert: A
    expr: up == 0
    labels:
      severity: page
      instance: ""
      where: "{{ $labels.job }}-{{ $externalLabels.cluster }}"
    annotations:
      summary: "{{ $labels.instance }} value {{ $value }}"
      static: plain
`)
	res, err := rt.evaluate(context.Background(), toVector(vec(smp(0, "__name__", "up", "instance", "h:9100", "job", "node"))), t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1 {
		t.Fatalf("events: %v", events(res.Events))
	}
	var a *alert.Alert
	for _, x := range rt.states {
		a = x
	}
	want := model.LabelSet{"alertname": "A", "job": "node", "severity": "page", "team": "infra", "where": "node-eu1"}
	if !a.Labels.Equal(want) {
		t.Fatalf("labels %v, want %v", a.Labels, want)
	}
	if a.Annotations["summary"] != "h:9100 value 0" || a.Annotations["static"] != "plain" {
		t.Fatalf("annotations %v", a.Annotations)
	}
	// External labels go downstream, not into the alert itself.
	if res.Events[0].Alert.Labels["cluster"] != "eu1" || a.Labels["cluster"] != "" {
		t.Fatalf("external labels: event %v alert %v", res.Events[0].Alert.Labels, a.Labels)
	}
	if !strings.HasPrefix(a.GeneratorURL, "http://prom:9090/graph?g0.expr=up+%3D%3D+0") {
		t.Fatalf("generator URL %q", a.GeneratorURL)
	}
}

func TestDuplicateLabelSetsAfterRuleLabels(t *testing.T) {
	rt := ruleOf(t, `groups:
- name: g
  rules:
  - alert: A
    expr: x
    labels: {instance: same}
`)
	_, err := rt.evaluate(context.Background(), toVector(vec(smp(1, "instance", "a"), smp(1, "instance", "b"))), t0, nil)
	if err != ErrDuplicateLabelSet {
		t.Fatalf("err = %v", err)
	}
	if len(rt.states) != 0 {
		t.Fatal("a failed evaluation changed state")
	}
}

func BenchmarkEvaluateSteadyState(b *testing.B) {
	rt := ruleOf(b, `groups:
- name: g
  rules:
  - alert: A
    query: x
    condition: value > 0.9 && labels.env == "prod"
    for: 5m
`)
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			mv := make(model.Vector, n)
			for i := range mv {
				mv[i] = smp(0.95, "instance", strconv.Itoa(i), "env", "prod", "job", "node")
			}
			v := toVector(mv)
			ctx := context.Background()
			if _, err := rt.evaluate(ctx, v, t0, nil); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := rt.evaluate(ctx, v, t0.Add(time.Duration(i+1)*time.Second), nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/series")
		})
		rt.states = map[model.Fingerprint]*alert.Alert{}
	}
}

// BenchmarkEvaluateSeveritiesSteadyState is the per-series path of a rule
// with severities, hysteresis and a static annotation: the shapes the
// condition fast path and the per-severity label cache are for.
func BenchmarkEvaluateSeveritiesSteadyState(b *testing.B) {
	rt := ruleOf(b, `groups:
- name: g
  rules:
  - alert: A
    query: x
    condition: labels.env == "prod"
    resolve: value < 0.8
    severities:
    - {severity: critical, condition: value > 0.97}
    - {severity: warning, condition: value > 0.9}
    annotations: {summary: "CPU busy"}
`)
	const n = 10000
	mv := make(model.Vector, n)
	for i := range mv {
		// A third critical, a third warning, a third in the hysteresis band.
		mv[i] = smp([]float64{0.99, 0.95, 0.85}[i%3], "instance", strconv.Itoa(i), "env", "prod", "job", "node")
	}
	v := toVector(mv)
	ctx := context.Background()
	// Warm up: the band series must have been active once to be held.
	warm := toVector(vec(func() []*model.Sample {
		out := make([]*model.Sample, n)
		for i := range out {
			out[i] = smp(0.99, "instance", strconv.Itoa(i), "env", "prod", "job", "node")
		}
		return out
	}()...))
	if _, err := rt.evaluate(ctx, warm, t0, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := rt.evaluate(ctx, v, t0.Add(time.Second), nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rt.evaluate(ctx, v, t0.Add(time.Duration(i+2)*time.Second), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/series")
}
