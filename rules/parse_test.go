package rules

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"
)

// parseOK parses content and fails on any error.
func parseOK(t *testing.T, content string) ([]*Group, []*Error) {
	t.Helper()
	groups, warnings, err := Parse("r.yml", []byte(content))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return groups, warnings
}

// ruleByID finds a rule by ID in a set.
func ruleByID(t *testing.T, set *Set, id string) *Rule {
	t.Helper()
	var ids []string
	for _, g := range set.Groups {
		for _, r := range g.Rules {
			if r.ID == id {
				return r
			}
			ids = append(ids, r.ID)
		}
	}
	t.Fatalf("no rule %q among %q", id, ids)
	return nil
}

// eval runs a condition for one series.
func eval(t *testing.T, c *Condition, value float64, labels map[string]string) bool {
	t.Helper()
	ok, err := c.Eval(&vm.VM{}, &Env{Value: value, Labels: labels})
	if err != nil {
		t.Fatalf("Eval(%s): %v", c.Source, err)
	}
	return ok
}

func TestPrometheusFullFixture(t *testing.T) {
	set := loadGood(t, "prometheus-full.yml")
	const file = "testdata/good/prometheus-full.yml"
	if len(set.Groups) != 2 {
		t.Fatalf("got %d groups", len(set.Groups))
	}
	node := set.Groups[0]
	if node.Name != "node" || node.Interval != 30*time.Second || node.Limit != 100 || node.Cron != nil ||
		node.QueryOffset != nil || node.Line != 3 || node.Column != 5 || node.File != file {
		t.Errorf("group: %+v", node)
	}
	cpu := ruleByID(t, set, file+`;node/HostHighCPU{severity="warning", team="infra"}`)
	if cpu.For != 10*time.Minute || cpu.KeepFiringFor != 5*time.Minute || !cpu.IsAlerting() ||
		cpu.Query != "instance:node_cpu_utilisation:rate5m > 0.9" || cpu.Condition != nil {
		t.Errorf("HostHighCPU: %+v", cpu)
	}
	got, err := cpu.AnnotationTemplates["description"].Expand(&TemplateData{
		Labels: map[string]string{"instance": "db1:9100"}, Value: 0.934,
	})
	if want := "CPU has been at 93.4% on db1 for 10 minutes."; err != nil || got != want {
		t.Errorf("description = %q, %v; want %q", got, err, want)
	}
	rec := ruleByID(t, set, file+`;node/instance:node_cpu_utilisation:rate5m{source="recording"}`)
	if rec.IsAlerting() || rec.LabelTemplates != nil || !strings.HasPrefix(rec.Query, "1 - avg without") {
		t.Errorf("recording rule: %+v", rec)
	}
	// Two TargetDown rules told apart by their labels.
	ruleByID(t, set, file+";targets/TargetDown")
	ruleByID(t, set, file+`;targets/TargetDown{severity="page"}`)
	if len(set.Warnings) != 0 {
		t.Errorf("warnings: %v", set.Warnings)
	}
	if !rec.MayRead("node_cpu_seconds_total") || rec.MayRead("instance:node_cpu_utilisation:rate5m") {
		t.Errorf("recording rule %q: MayRead is wrong", rec.Query)
	}
}

func TestYAMLFeaturesFixture(t *testing.T) {
	set := loadGood(t, "prometheus-yaml.yml")
	const file = "testdata/good/prometheus-yaml.yml"
	full := ruleByID(t, set, file+`;yaml-features/DiskFull{severity="critical", team="storage"}`)
	if full.Query != "(node_filesystem_avail_bytes / node_filesystem_size_bytes) < 0.05\n" {
		t.Errorf("folded expr: %q", full.Query)
	}
	filling := ruleByID(t, set, file+`;yaml-features/DiskFilling{severity="warning", team="storage"}`)
	if !maps.Equal(filling.Annotations, full.Annotations) {
		t.Errorf("alias annotations: %v", filling.Annotations)
	}
	num := ruleByID(t, set, file+`;yaml-features/12345{enabled="true", priority="1"}`)
	if num.Query != "1" {
		t.Errorf("numeric expr: %q", num.Query)
	}
	if n := len(set.Groups); n != 3 || len(set.Groups[1].Rules) != 0 || len(set.Groups[2].Rules) != 0 {
		t.Errorf("groups: %d", n)
	}
}

func TestLegacyFixture(t *testing.T) {
	set := loadGood(t, "prometheus-legacy.yml")
	const file = "testdata/good/prometheus-legacy.yml"
	g := set.Groups[0]
	if g.Interval != 0 || g.Limit != 0 {
		t.Errorf("interval %v, limit %d: want the defaults", g.Interval, g.Limit)
	}
	ruleByID(t, set, file+";legacy/Repeated")
	ruleByID(t, set, file+";legacy/Repeated#2")
	ruleByID(t, set, file+";legacy/TrafficTrend")
	var msgs []string
	for _, w := range set.Warnings {
		msgs = append(msgs, w.Msg)
	}
	for _, want := range []string{"an interval of 0", "a negative limit", "more than one YAML document"} {
		if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, want) }) {
			t.Errorf("no warning %q in %q", want, msgs)
		}
	}
}

func TestSeveritiesFixture(t *testing.T) {
	set := loadGood(t, "severities.yml")
	r := ruleByID(t, set, "testdata/good/severities.yml;api/HighErrorRatio{component=\"frontend\"}")
	if names := []string{r.Severities[0].Name, r.Severities[1].Name}; !slices.Equal(names, []string{"critical", "warning"}) {
		t.Errorf("severities: %v", names)
	}
	// The group's default severity gives way to the rule's severities.
	if want := map[string]string{"team": "api", "component": "frontend"}; !maps.Equal(r.Labels, want) {
		t.Errorf("labels = %v, want %v", r.Labels, want)
	}
	if _, ok := r.LabelTemplates["severity"]; ok || r.LabelTemplates["team"] == nil {
		t.Errorf("label templates: %v", r.LabelTemplates)
	}
	prod := map[string]string{"env": "prod"}
	if !eval(t, r.Condition, 0, prod) || eval(t, r.Condition, 1, map[string]string{"env": "dev"}) {
		t.Error("condition")
	}
	if !eval(t, r.Severities[0].Condition, 0.3, prod) || eval(t, r.Severities[0].Condition, 0.1, prod) ||
		!eval(t, r.Severities[1].Condition, 0.1, prod) {
		t.Error("severity conditions")
	}
	if !strings.HasPrefix(r.Query, "sum by (service, env)") || r.For != 5*time.Minute {
		t.Errorf("query/for: %q %v", r.Query, r.For)
	}
}

func TestResolveAndQueryFixtures(t *testing.T) {
	set := loadGood(t, "resolve.yml")
	r := set.Groups[0].Rules[0]
	if r.Condition == nil || r.Resolve == nil || r.Resolve.Source != "value < 0.8" || r.KeepFiringFor != 10*time.Minute {
		t.Errorf("resolve rule: %+v", r)
	}
	if !eval(t, r.Resolve, 0.7, nil) || eval(t, r.Resolve, 0.85, nil) {
		t.Error("resolve condition")
	}

	set = loadGood(t, "query-condition.yml")
	const file = "testdata/good/query-condition.yml"
	slow := ruleByID(t, set, file+";latency/SlowRequests")
	global := ruleByID(t, set, file+`;latency/SlowRequests{scope="global"}`)
	if !strings.HasPrefix(slow.Query, "histogram_quantile") || global.Condition.Source != "value > 2" {
		t.Errorf("rules: %+v %+v", slow, global)
	}
	if !eval(t, slow.Condition, 1, map[string]string{"env": "prod", "route": "/api"}) ||
		eval(t, slow.Condition, 1, map[string]string{"env": "prod", "route": "/internal/x"}) {
		t.Error("condition with startsWith")
	}
}

func TestScheduleFixture(t *testing.T) {
	set := loadGood(t, "schedule.yml")
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	g := set.Groups[0]
	if g.Schedule != "CRON_TZ=Europe/Berlin 0 */5 8-18 * * MON-FRI" || g.Cron == nil || g.Interval != 0 ||
		g.QueryOffset == nil || *g.QueryOffset != 30*time.Second {
		t.Fatalf("group: %+v", g)
	}
	// Saturday 2026-01-03 12:00 Berlin: next is Monday 08:00 Berlin.
	next := g.Cron.Next(time.Date(2026, 1, 3, 12, 0, 0, 0, berlin))
	if want := time.Date(2026, 1, 5, 8, 0, 0, 0, berlin); !next.Equal(want) {
		t.Errorf("next = %v, want %v", next, want)
	}
	nightly := set.Groups[1]
	if nightly.Cron == nil || nightly.QueryOffset == nil || *nightly.QueryOffset != 0 || nightly.Limit != 10 {
		t.Errorf("nightly: %+v", nightly)
	}
	five := set.Groups[2]
	from := time.Date(2026, 1, 1, 10, 2, 0, 0, time.UTC)
	if next := five.Cron.Next(from); !next.Equal(time.Date(2026, 1, 1, 10, 5, 0, 0, time.UTC)) {
		t.Errorf("five minutes: next = %v", next)
	}
}

func TestProm3Fixture(t *testing.T) {
	set := loadGood(t, "prom3-features.yml")
	const file = "testdata/good/prom3-features.yml"
	r := ruleByID(t, set, file+`;prom3/Checkout{k8s.namespace="shop"}`)
	if want := map[string]string{"service.name": "checkout", "k8s.namespace": "shop"}; !maps.Equal(r.Labels, want) {
		t.Errorf("labels: %v", r.Labels)
	}
	if set.Groups[0].QueryOffset == nil || *set.Groups[0].QueryOffset != time.Minute {
		t.Errorf("query_offset: %v", set.Groups[0].QueryOffset)
	}
	got, err := r.AnnotationTemplates["description.text"].Expand(&TemplateData{Time: time.Unix(0, 0)})
	if want := "since 1970-01-01 00:00:00 +0000 UTC, 1m30s a+b"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

func TestParseCases(t *testing.T) {
	tests := []struct {
		name    string
		content string
		check   func(t *testing.T, groups []*Group, warnings []*Error)
	}{
		{
			name:    "empty file",
			content: "",
			check: func(t *testing.T, groups []*Group, warnings []*Error) {
				// Loads (as in Prometheus), with a warning saying so.
				if groups != nil || len(warnings) != 1 || !strings.Contains(warnings[0].Msg, "the file is empty") {
					t.Errorf("got %v %v", groups, warnings)
				}
			},
		},
		{
			name:    "null groups",
			content: "groups:\n",
			check: func(t *testing.T, groups []*Group, _ []*Error) {
				if len(groups) != 0 {
					t.Errorf("got %v", groups)
				}
			},
		},
		{
			name: "group labels merge under rule labels and are templates",
			content: `groups:
  - name: g
    labels: {team: a, env: "{{ $labels.env | toUpper }}"}
    rules:
      - alert: X
        expr: up
        labels: {team: b}
`,
			check: func(t *testing.T, groups []*Group, _ []*Error) {
				r := groups[0].Rules[0]
				if r.ID != `r.yml;g/X{team="b"}` || !maps.Equal(r.Labels, map[string]string{"team": "b", "env": "{{ $labels.env | toUpper }}"}) {
					t.Errorf("rule: %s %v", r.ID, r.Labels)
				}
				got, err := r.LabelTemplates["env"].Expand(&TemplateData{Labels: map[string]string{"env": "prod"}})
				if err != nil || got != "PROD" {
					t.Errorf("env = %q, %v", got, err)
				}
				if !r.LabelTemplates["team"].Static() {
					t.Error("static label not Static")
				}
			},
		},
		{
			name: "identity ordinals do not collide with names containing #",
			content: `groups:
  - name: g
    rules:
      - {alert: "A", expr: up}
      - {alert: "A#2", expr: up}
      - {alert: "A", expr: up}
`,
			check: func(t *testing.T, groups []*Group, _ []*Error) {
				var ids []string
				for _, r := range groups[0].Rules {
					ids = append(ids, r.ID)
				}
				if want := []string{"r.yml;g/A", "r.yml;g/A#2", "r.yml;g/A#3"}; !slices.Equal(ids, want) {
					t.Errorf("ids = %q, want %q", ids, want)
				}
			},
		},
		{
			name: "condition and severities together, null fields",
			content: `groups:
  - name: g
    interval: ~
    rules:
      - alert: X
        query: up
        condition: labels.job == "api"
        for: ~
        labels: ~
        severities:
          - {severity: page, condition: value == 0}
`,
			check: func(t *testing.T, groups []*Group, _ []*Error) {
				r := groups[0].Rules[0]
				if r.Condition == nil || len(r.Severities) != 1 || r.For != 0 || r.Labels != nil || r.ID != "r.yml;g/X" {
					t.Errorf("rule: %+v", r)
				}
			},
		},
		{
			name:    "merge keys in groups",
			content: "defaults: &d {interval: 2m}\ngroups:\n  - <<: *d\n    name: g\n",
			check:   nil, // unknown top-level key: checked in TestParseErrorsInline
		},
	}
	for _, tt := range tests {
		if tt.check == nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			groups, warnings := parseOK(t, tt.content)
			tt.check(t, groups, warnings)
		})
	}
}

func TestParseErrorsInline(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []wantErr
	}{
		{
			name:    "unknown top-level key beside a merge",
			content: "defaults: &d {interval: 2m}\ngroups:\n  - <<: *d\n    name: g\n",
			want:    []wantErr{{"1:1", "", `unknown field "defaults"`}},
		},
		{
			name:    "groups is not a list",
			content: "groups: 3\n",
			want:    []wantErr{{"1:9", "groups", `expected a sequence, got the scalar "3"`}},
		},
		{
			name:    "document is a list",
			content: "- a\n",
			want:    []wantErr{{"1:1", "", "expected a mapping, got a sequence"}},
		},
		{
			name:    "invalid UTF-8",
			content: "groups:\n  - name: \xff\n",
			want:    []wantErr{{"2", "", "yaml: invalid"}},
		},
		{
			name: "expr in a multi-line plain scalar",
			content: `groups:
  - name: g
    rules:
      - alert: X
        expr: sum(rate(x[5m]))
          by (job)
          > bogus()
`,
			want: []wantErr{{"7:13", "expr", `unknown function with name "bogus"`}},
		},
		{
			name: "condition in a double-quoted scalar",
			content: `groups:
  - name: g
    rules:
      - alert: X
        expr: up
        condition: "value > 1 && labels.x == 2"
`,
			want: []wantErr{{"6:43", "condition", "invalid operation: == (mismatched types string and int)"}},
		},
		{
			name: "template error on a later line of a folded scalar",
			content: `groups:
  - name: g
    rules:
      - alert: X
        expr: up
        annotations:
          a: >
            first line
            second {{ nope }}

            third {{ end }}
`,
			want: []wantErr{{"9:23", "annotations.a", `function "nope" not defined`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups, _, err := Parse("r.yml", []byte(tt.content))
			if err == nil || groups != nil {
				t.Fatalf("got %v, %v", groups, err)
			}
			checkErrors(t, "r.yml", err.(ErrorList), tt.want)
		})
	}
}

func TestMayRead(t *testing.T) {
	for _, tt := range []struct {
		expr string
		yes  []string
		no   []string
	}{
		{`job:errors:rate5m > 0.1`, []string{"job:errors:rate5m"}, []string{"up"}},
		{`sum(rate(http_total[5m])) / on() group_left avg_over_time(job:x[10m])`, []string{"http_total", "job:x"}, []string{"job:y"}},
		{`{__name__=~"job:.*", env="prod"}`, []string{"job:x"}, []string{"up"}},
		{`{job="a"}`, []string{"anything"}, nil},
		{`max_over_time(job:x[5m:1m]) > 1`, []string{"job:x"}, []string{"up"}},
		{`vector(1)`, nil, []string{"up"}},
	} {
		groups, _, err := Parse("t.yml", []byte("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: '"+tt.expr+"'\n"))
		if err != nil {
			t.Fatal(err)
		}
		r := groups[0].Rules[0]
		for _, m := range tt.yes {
			if !r.MayRead(m) {
				t.Errorf("%s: MayRead(%s) = false", tt.expr, m)
			}
		}
		for _, m := range tt.no {
			if r.MayRead(m) {
				t.Errorf("%s: MayRead(%s) = true", tt.expr, m)
			}
		}
	}
}
