package rules

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// pushRule parses one alerting rule with the given extra YAML lines (at
// the rule's indentation) and returns it.
func pushRule(t testing.TB, query string, extra ...string) *Rule {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "groups:\n- name: g\n  rules:\n  - alert: A\n    query: %q\n", query)
	for _, l := range extra {
		b.WriteString("    " + l + "\n")
	}
	groups, _, err := Parse("f.yml", []byte(b.String()))
	if err != nil {
		t.Fatalf("%s: %v", b.String(), err)
	}
	return groups[0].Rules[0]
}

func TestPushedQueries(t *testing.T) {
	const q = "up"
	for _, tc := range []struct {
		name  string
		extra []string
		want  string // "" for no pushdown
	}{
		{"no condition", nil, ""},
		{"threshold", []string{`condition: value > 0.99`}, "(up\n) > 0.99"},
		{"literal on the left", []string{`condition: 0.5 <= value`}, "(up\n) >= 0.5"},
		{"range", []string{`condition: value >= 1 && value < 2`}, "(up\n) >= 1 < 2"},
		{"equality", []string{`condition: value == 3`}, "(up\n) == 3"},
		{"negative and exponent", []string{`condition: value < -1e-7`}, "(up\n) < -1e-07"},
		{"threshold and label", []string{`condition: value > 0.9 && labels.env == "prod"`},
			"(up\n) > 0.9 and on(env) label_replace(vector(1), \"env\", \"prod\", \"env\", \"\")"},
		{"two labels", []string{`condition: labels.env == "prod" and labels["job"] == "node" and value > 1`},
			"(up\n) > 1 and on(env, job) label_replace(label_replace(vector(1), \"env\", \"prod\", \"env\", \"\"), \"job\", \"node\", \"job\", \"\")"},
		{"label inequality", []string{`condition: value > 1 && labels.env != "dev" && "test" != labels.env`},
			"(up\n) > 1 unless on(env) (label_replace(vector(1), \"env\", \"dev\", \"env\", \"\") or label_replace(vector(1), \"env\", \"test\", \"env\", \"\"))"},
		{"missing label reads empty", []string{`condition: labels.env == ""`},
			"(up\n) and on(env) label_replace(vector(1), \"env\", \"\", \"env\", \"\")"},
		{"negated threshold keeps NaN", []string{`condition: not (value <= 0.9)`}, ""},
		{"negated threshold with label", []string{`condition: '"prod" == labels.env and !(value <= 0.9)'`},
			"(up\n) and on(env) label_replace(vector(1), \"env\", \"prod\", \"env\", \"\")"},
		{"disjunction widens to its hull", []string{`condition: value > 5 || value < -5 && value > -6`}, "(up\n) > -6"},
		{"disjunction of labels", []string{`condition: value > 1 && (labels.env == "a" || labels.env == "b")`}, "(up\n) > 1"},
		{"value inequality is not narrowed", []string{`condition: value != 0`}, ""},
		{"opaque comparison", []string{`condition: value * 100 > 90`}, ""},
		{"not on the fast path", []string{`condition: value > 1 && len(labels.env) > 2`}, ""},
		{"false condition", []string{`condition: "false"`}, "(up\n) < -Inf"},
		{"contradiction", []string{`condition: labels.env == "a" && labels.env == "b"`}, "(up\n) < -Inf"},
		{"hysteresis keeps NaN: labels only", []string{`condition: value > 0.9 && labels.env == "prod"`, `resolve: value < 0.8 || labels.env != "prod"`},
			"(up\n) and on(env) label_replace(vector(1), \"env\", \"prod\", \"env\", \"\")"},
		{"hysteresis without NaN", []string{`condition: value > 0.9`, `resolve: value < 0.8 || value != value`}, ""},
		{"hysteresis on an equality", []string{`condition: value > 0.9`, `resolve: value <= 0.8 || !(value == value)`}, ""},
		{"resolve alone", []string{`resolve: value < 1`}, ""},
		{"severities", []string{`condition: value > 0.5`, `severities: [{severity: critical, condition: value > 0.9}, {severity: warning, condition: value > 0.7}]`},
			"(up\n) > 0.7"},
		{"severity without condition", []string{`severities: [{severity: critical, condition: value > 0.9}]`}, "(up\n) > 0.9"},
		{"opted out", []string{`condition: value > 0.99`, `pushdown: false`}, ""},
		{"opted in explicitly", []string{`condition: value > 0.99`, `pushdown: true`}, "(up\n) > 0.99"},
		{"templated label with resolve", []string{`condition: value > 0.9`, `resolve: value < 0.8 && value == value`, `labels: {v: "{{ $value }}"}`}, ""},
		{"templated label without resolve", []string{`condition: value > 0.9`, `labels: {v: "{{ $value }}"}`}, "(up\n) > 0.9"},
		{"label name PromQL cannot write", []string{`condition: value > 1 && labels["a-b"] == "x"`}, "(up\n) > 1"},
		{"__name__ is not pushed", []string{`condition: value > 1 && labels.__name__ == "up"`}, "(up\n) > 1"},
		{"quoting", []string{`condition: labels.path == "/a\"b\\c\n"`},
			"(up\n) and on(path) label_replace(vector(1), \"path\", \"/a\\\"b\\\\c\\n\", \"path\", \"\")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := pushRule(t, q, tc.extra...)
			if r.PushedQuery != tc.want {
				t.Fatalf("pushed query\n got %q\nwant %q", r.PushedQuery, tc.want)
			}
			want := tc.want
			if want == "" {
				want = q
			}
			if r.SentQuery() != want {
				t.Fatalf("SentQuery %q", r.SentQuery())
			}
		})
	}
}

func TestPushdownOnlyForVectorAlertingRules(t *testing.T) {
	for _, q := range []string{"1", "scalar(up)", "up[5m]", `"s"`} {
		if r := pushRule(t, q, "condition: value > 1"); r.PushedQuery != "" {
			t.Errorf("%s (%s): pushed %q", q, r.QueryType, r.PushedQuery)
		}
	}
	if r := pushRule(t, "up # a comment", "condition: value > 1"); r.PushedQuery != "(up # a comment\n) > 1" {
		t.Errorf("comment: %q", r.PushedQuery)
	}
	groups, _, err := Parse("f.yml", []byte("groups:\n- name: g\n  rules:\n  - record: r\n    expr: up > 1\n"))
	if err != nil || groups[0].Rules[0].PushedQuery != "" {
		t.Fatalf("recording rule: %v %q", err, groups[0].Rules[0].PushedQuery)
	}
	_, _, err = Parse("f.yml", []byte("groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    pushdown: false\n"))
	if err == nil || !strings.Contains(err.Error(), "pushdown") {
		t.Fatalf("pushdown on a recording rule: %v", err)
	}
	_, _, err = Parse("f.yml", []byte("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    pushdown: sometimes\n"))
	if err == nil || !strings.Contains(err.Error(), "6:15") {
		t.Fatalf("pushdown not a boolean: %v", err)
	}
}

// Rules of a group that share a query share the union of their bands: a
// recording rule, which needs every series, leaves it unfiltered.
func TestPushdownSharedQueries(t *testing.T) {
	src := `groups:
- name: g
  rules:
  - {alert: A, query: 'up', condition: value > 0.9}
  - {alert: B, query: ' up ', condition: value > 0.99}
  - {alert: C, query: 'up{a="1"}', condition: value > 0.9 && labels.env == "x"}
  - {alert: D, query: 'up{a="1"}', condition: value > 0.95 && labels.env == "x"}
  - {alert: E, query: 'up{a="2"}', condition: value > 0.9}
  - {record: r, expr: 'up{a="2"}'}
`
	groups, _, err := Parse("f.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rs := groups[0].Rules
	for i, want := range []string{
		"(up\n) > 0.9",
		"( up \n) > 0.9",
		"(up{a=\"1\"}\n) > 0.9 and on(env) label_replace(vector(1), \"env\", \"x\", \"env\", \"\")",
		"(up{a=\"1\"}\n) > 0.9 and on(env) label_replace(vector(1), \"env\", \"x\", \"env\", \"\")",
		"",
		"",
	} {
		if rs[i].PushedQuery != want {
			t.Errorf("rule %s: %q, want %q", rs[i].Name(), rs[i].PushedQuery, want)
		}
	}
}

// matters is what the evaluator does with a series (see
// evaluator.ruleRuntime.selectActive): it can be active now, or keep an
// active alert active.
func matters(r *Rule, v float64, ls LabelSource) bool {
	active := r.Condition == nil || r.Condition.EvalFast(v, ls)
	if active && len(r.Severities) > 0 {
		active = false
		for _, s := range r.Severities {
			active = active || s.Condition.EvalFast(v, ls)
		}
	}
	return active || r.Resolve != nil && !r.Resolve.EvalFast(v, ls)
}

// checkBandSound fails if a series that matters to r lies outside its
// band.
func checkBandSound(t *testing.T, r *Rule, v float64, ls map[string]string) {
	t.Helper()
	b := r.matterBand()
	if matters(r, v, mapSource(ls)) && !b.contains(v, mapSource(ls).Label) {
		t.Fatalf("condition %s, resolve %s, severities %v: series value %v labels %v matters but is outside the band %+v (pushed %q)",
			src(r.Condition), src(r.Resolve), r.Severities, v, ls, b, r.PushedQuery)
	}
}

func src(c *Condition) string {
	if c == nil {
		return "<none>"
	}
	return c.Source
}

// randomRule builds an alerting rule from random conditions on the fast
// path; nil when one does not compile or has no fast path.
func randomRule(r *rand.Rand) *Rule {
	cond := func() *Condition {
		c, err := CompileCondition(genCondition(r, 3))
		if err != nil || !c.Fast() {
			return nil
		}
		return c
	}
	rule := &Rule{Alert: "A", Query: "up", QueryKey: "up", QueryType: "vector"}
	if r.IntN(4) > 0 {
		if rule.Condition = cond(); rule.Condition == nil {
			return nil
		}
	}
	if r.IntN(4) == 0 {
		if rule.Resolve = cond(); rule.Resolve == nil {
			return nil
		}
	}
	for i := range r.IntN(3) / 2 {
		c := cond()
		if c == nil {
			return nil
		}
		rule.Severities = append(rule.Severities, Severity{Name: fmt.Sprint(i), Condition: c})
	}
	return rule
}

func TestPushdownBandIsSound(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	narrowed, rules := 0, 0
	for range 6000 {
		rule := randomRule(r)
		if rule == nil {
			continue
		}
		rules++
		if !rule.matterBand().isTop() {
			narrowed++
		}
		for _, v := range diffValues {
			for _, ls := range diffLabels {
				checkBandSound(t, rule, v, ls)
			}
		}
	}
	// Random conditions are mostly about labels and ||: few narrow.
	if narrowed < 100 {
		t.Fatalf("only %d of %d random rules got a narrower band", narrowed, rules)
	}
	t.Logf("%d of %d random rules got a narrower band", narrowed, rules)
}

// FuzzPushdown checks, for any condition, resolve and severity on the
// fast path, that a series that matters to the rule lies in the band its
// query is filtered to, and that the pushed query parses.
func FuzzPushdown(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 40 {
		f.Add(genCondition(r, 3), genCondition(r, 2), genCondition(r, 2), 0.95, "env=prod,job=node")
	}
	f.Add(`value > 0.9`, `value < 0.8`, ``, math.NaN(), "env=")
	f.Add(`value > 0.9 && labels.env == "prod"`, `labels.env != "prod"`, `value >= 2`, 1.0, "env=prod")
	f.Fuzz(func(t *testing.T, cond, resolve, severity string, value float64, labels string) {
		rule := &Rule{Alert: "A", Query: "up", QueryKey: "up", QueryType: "vector"}
		for _, c := range []struct {
			src string
			set func(*Condition)
		}{
			{cond, func(c *Condition) { rule.Condition = c }},
			{resolve, func(c *Condition) { rule.Resolve = c }},
			{severity, func(c *Condition) { rule.Severities = []Severity{{Name: "s", Condition: c}} }},
		} {
			if c.src == "" {
				continue
			}
			compiled, err := CompileCondition(c.src)
			if err != nil || !compiled.Fast() {
				return
			}
			c.set(compiled)
		}
		ls := map[string]string{}
		for _, kv := range strings.Split(labels, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				ls[k] = v
			}
		}
		checkBandSound(t, rule, value, ls)
		for _, v := range diffValues {
			checkBandSound(t, rule, v, ls)
		}
		if q := pushedQuery(rule.Query, rule.matterBand()); q != "" {
			if _, err := newPromQLParser().ParseExpr(q); err != nil {
				t.Fatalf("pushed query %q does not parse: %v", q, err)
			}
		}
	})
}

// contains reports whether the band admits a series.
func (b band) contains(value float64, label func(string) string) bool {
	if b.none {
		return false
	}
	v := b.v
	if math.IsNaN(value) {
		if !v.nan {
			return false
		}
	} else {
		if v.empty || value < v.lo || value > v.hi || v.loOpen && value == v.lo || v.hiOpen && value == v.hi {
			return false
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.labels)) {
		l, got := b.labels[name], label(name)
		if l.isEq && got != l.eq || !l.isEq && slices.Contains(l.ne, got) {
			return false
		}
	}
	return true
}
