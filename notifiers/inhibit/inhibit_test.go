package inhibit

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

func ls(pairs ...string) model.LabelSet {
	out := model.LabelSet{}
	for _, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		out[model.LabelName(k)] = model.LabelValue(v)
	}
	return out
}

func decodeRules(t testing.TB, doc string) []RuleConfig {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.KnownFields(true)
	var rules []RuleConfig
	if err := dec.Decode(&rules); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return rules
}

func mustNew(t *testing.T, doc string) *Inhibitor {
	t.Helper()
	ih, err := New(decodeRules(t, doc))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ih
}

type inhibitCase struct {
	name   string
	firing []model.LabelSet
	target model.LabelSet
	want   bool
	rule   int
}

func run(t *testing.T, ih *Inhibitor, tests []inhibitCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rule := ih.Inhibited(tt.target, tt.firing)
			want := -1
			if tt.want {
				want = tt.rule
			}
			if got != tt.want || rule != want {
				t.Errorf("Inhibited = %v, %d; want %v, %d", got, rule, tt.want, want)
			}
			// The snapshot gives the same answer.
			if g, r := ih.Snapshot(tt.firing).Inhibited(tt.target); g != got || r != rule {
				t.Errorf("Snapshot.Inhibited = %v, %d; Inhibited = %v, %d", g, r, got, rule)
			}
		})
	}
}

func TestDocsExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "docs_example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	ih := mustNew(t, string(b))
	critical := ls("alertname=HighLatency", "cluster=eu", "service=api", "severity=critical")
	run(t, ih, []inhibitCase{
		{"critical mutes the warning of the same service",
			[]model.LabelSet{critical}, ls("alertname=HighLatency", "cluster=eu", "service=api", "severity=warning", "instance=a"), true, 0},
		{"other cluster",
			[]model.LabelSet{critical}, ls("alertname=HighLatency", "cluster=us", "service=api", "severity=warning"), false, 0},
		{"other service",
			[]model.LabelSet{critical}, ls("alertname=HighLatency", "cluster=eu", "service=web", "severity=warning"), false, 0},
		{"other alertname",
			[]model.LabelSet{critical}, ls("alertname=HighErrors", "cluster=eu", "service=api", "severity=warning"), false, 0},
		{"info is not a target",
			[]model.LabelSet{critical}, ls("alertname=HighLatency", "cluster=eu", "service=api", "severity=info"), false, 0},
		{"a critical does not mute a critical",
			[]model.LabelSet{critical}, ls("alertname=HighLatency", "cluster=eu", "service=api", "severity=critical", "instance=b"), false, 0},
		{"a warning does not mute a warning",
			[]model.LabelSet{ls("alertname=HighLatency", "cluster=eu", "service=api", "severity=warning")},
			ls("alertname=HighLatency", "cluster=eu", "service=api", "severity=warning", "instance=b"), false, 0},
		{"nothing firing", nil, ls("alertname=HighLatency", "cluster=eu", "service=api", "severity=warning"), false, 0},
		{"one of many sources matches",
			[]model.LabelSet{
				ls("alertname=HighLatency", "cluster=us", "service=api", "severity=critical"),
				ls("alertname=Other", "severity=critical"),
				critical,
			},
			ls("alertname=HighLatency", "cluster=eu", "service=api", "severity=warning"), true, 0},
		// Missing equal labels.
		{"missing on both sides counts as equal",
			[]model.LabelSet{ls("alertname=HighLatency", "cluster=eu", "severity=critical")},
			ls("alertname=HighLatency", "cluster=eu", "severity=warning"), true, 0},
		{"all equal labels missing on both sides: the rule applies",
			[]model.LabelSet{ls("severity=critical")}, ls("severity=warning", "job=x"), true, 0},
		{"missing on the source only",
			[]model.LabelSet{ls("alertname=HighLatency", "cluster=eu", "severity=critical")},
			ls("alertname=HighLatency", "cluster=eu", "service=api", "severity=warning"), false, 0},
		{"missing on the target only",
			[]model.LabelSet{critical}, ls("alertname=HighLatency", "cluster=eu", "severity=warning"), false, 0},
		{"missing equals empty, as in Alertmanager",
			[]model.LabelSet{ls("alertname=HighLatency", "cluster=eu", "severity=critical")},
			ls("alertname=HighLatency", "cluster=eu", "service=", "severity=warning"), true, 0},
	})
}

func TestSelfInhibition(t *testing.T) {
	// Alerts with both s=1 and t=1 match both sides of the rule.
	ih := mustNew(t, `
- source_matchers: ['s="1"']
  target_matchers: ['t="1"']
  equal: [e]
`)
	both := ls("s=1", "t=1", "e=x")
	both2 := ls("s=1", "t=1", "e=x", "n=2")
	sourceOnly := ls("s=1", "e=x")
	run(t, ih, []inhibitCase{
		{"an alert does not inhibit itself", []model.LabelSet{both}, both, false, 0},
		{"two-sided alerts do not inhibit each other", []model.LabelSet{both, both2}, both, false, 0},
		{"a source-only alert inhibits a two-sided one", []model.LabelSet{both, both2, sourceOnly}, both, true, 0},
		{"a two-sided alert inhibits a target-only one", []model.LabelSet{both}, ls("t=1", "e=x"), true, 0},
		{"equal still applies", []model.LabelSet{sourceOnly}, ls("s=1", "t=1", "e=y"), false, 0},
	})
}

func TestSelfInhibitionSameMatchers(t *testing.T) {
	// With identical sides every alert of the rule is two-sided, so the
	// rule never inhibits anything (Alertmanager behaves the same).
	ih := mustNew(t, `
- source_matchers: ['alertname="NodeDown"']
  target_matchers: ['alertname="NodeDown"']
`)
	a, b := ls("alertname=NodeDown", "instance=a"), ls("alertname=NodeDown", "instance=b")
	run(t, ih, []inhibitCase{
		{"no mutual inhibition", []model.LabelSet{a, b}, a, false, 0},
	})
}

func TestMultipleRules(t *testing.T) {
	ih := mustNew(t, `
- source_matchers: ['alertname="ClusterDown"']
  target_matchers: ['severity=~"warning|critical"']
  equal: [cluster]
- source_matchers: ['alertname="NodeDown"']
  target_matchers: ['alertname!="NodeDown"']
  equal: [cluster, instance]
- name: maintenance
  source_match:
    alertname: Maintenance
  target_match_re:
    team: "db|infra"
`)
	run(t, ih, []inhibitCase{
		{"first rule",
			[]model.LabelSet{ls("alertname=ClusterDown", "cluster=eu")},
			ls("alertname=DiskFull", "cluster=eu", "severity=critical"), true, 0},
		{"second rule",
			[]model.LabelSet{ls("alertname=NodeDown", "cluster=eu", "instance=n1")},
			ls("alertname=DiskFull", "cluster=eu", "instance=n1"), true, 1},
		{"second rule needs both equal labels",
			[]model.LabelSet{ls("alertname=NodeDown", "cluster=eu", "instance=n1")},
			ls("alertname=DiskFull", "cluster=eu", "instance=n2"), false, 0},
		{"the first matching rule is reported",
			[]model.LabelSet{ls("alertname=NodeDown", "cluster=eu", "instance=n1"), ls("alertname=ClusterDown", "cluster=eu")},
			ls("alertname=DiskFull", "cluster=eu", "instance=n1", "severity=warning"), true, 0},
		{"legacy forms, no equal",
			[]model.LabelSet{ls("alertname=Maintenance")}, ls("alertname=X", "team=db"), true, 2},
		{"legacy regex is anchored",
			[]model.LabelSet{ls("alertname=Maintenance")}, ls("alertname=X", "team=dba"), false, 0},
		{"legacy equality is exact",
			[]model.LabelSet{ls("alertname=Maintenance2")}, ls("alertname=X", "team=db"), false, 0},
	})
}

func TestRuleName(t *testing.T) {
	ih := mustNew(t, "- name: first\n- equal: [a]\n")
	for i, want := range []string{"first", "", "", ""} {
		idx := []int{0, 1, 2, -1}[i]
		if got := ih.RuleName(idx); got != want {
			t.Errorf("RuleName(%d) = %q, want %q", idx, got, want)
		}
	}
	if (*Inhibitor)(nil).RuleName(0) != "" {
		t.Error("nil inhibitor has a rule name")
	}
}

func TestNoRules(t *testing.T) {
	for _, ih := range []*Inhibitor{mustNew(t, "[]"), nil} {
		if got, rule := ih.Inhibited(ls("a=b"), []model.LabelSet{ls("a=b")}); got || rule != -1 {
			t.Errorf("Inhibited = %v, %d", got, rule)
		}
	}
}

func TestNewErrors(t *testing.T) {
	rules := decodeRules(t, `
- equal: [ok, ""]
- source_match_re: {a: "("}
  target_match: {"": x}
- source_matchers: ['a="1"']
`)
	_, err := New(rules)
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{
		`inhibit_rules[0]: invalid label name "" in equal list`,
		`inhibit_rules[1]: source_match_re: invalid regular expression "(" for label "a"`,
		`inhibit_rules[1]: target_match: empty label name`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), "inhibit_rules[2]") {
		t.Errorf("valid rule reported: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{"- source_matchers: ['a=~\"(\"']\n", `line 1:21: matchers "a=~\"(\""`},
		{"- source_matcher: ['a=1']\n", "field source_matcher not found"},
	} {
		dec := yaml.NewDecoder(strings.NewReader(tt.doc))
		dec.KnownFields(true)
		var rules []RuleConfig
		if err := dec.Decode(&rules); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func TestConcurrentSnapshot(t *testing.T) {
	ih := mustNew(t, "- source_matchers: ['severity=\"critical\"']\n  target_matchers: ['severity=\"warning\"']\n  equal: [alertname]\n")
	snap := ih.Snapshot([]model.LabelSet{ls("alertname=A", "severity=critical")})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if got, _ := snap.Inhibited(ls("alertname=A", "severity=warning")); !got {
					t.Error("not inhibited")
					return
				}
			}
		})
	}
	wg.Wait()
}
