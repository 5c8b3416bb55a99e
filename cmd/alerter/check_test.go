package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alerter/alerter/rules"
)

// TestCheckSaysWhatTheFileIs: files that are not what alerter check
// expects are named for what they are, with what to do, instead of a list
// of unknown fields.
func TestCheckSaysWhatTheFileIs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, text string
		code       int
		want       string
	}{
		{"prometheusrule.yaml", `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: r}
spec:
  groups: [{name: g, rules: [{alert: A, expr: up == 0}]}]
`, 1, ":2:1: this is a Kubernetes PrometheusRule object: the rules are under .spec; extract .spec"},
		{"configmap.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: {}\n", 1, "Kubernetes ConfigMap object"},
		{"tests.yml", "rule_files: [r.yml]\nevaluation_interval: 1m\ntests: []\n", 1, ":3:1: this is a rule unit test file (promtool test rules): use alerter test"},
		{"prometheus.yml", "global: {scrape_interval: 15s}\nscrape_configs: []\nrule_files: [r.yml]\n", 1, "this is Prometheus's configuration (it has scrape_configs)"},
		{"empty.yml", "", 0, "the file is empty: it has no rule groups"},
		{"comments.yml", "# nothing yet\n", 0, "the file is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, dir, tc.name, tc.text)
			code, out, errs := runCLI("check", p)
			if code != tc.code || !strings.Contains(out+errs, tc.want) {
				t.Fatalf("exit %d (want %d)\n%s%s\nwant it to say %q", code, tc.code, out, errs, tc.want)
			}
			if strings.Contains(errs, "unknown field") {
				t.Fatalf("lists unknown fields:\n%s", errs)
			}
		})
	}
}

// TestCheckWrongKindInRuleFiles: an Alertmanager configuration listed as
// a rule file is reported as such, with its position.
func TestCheckWrongKindInRuleFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "alertmanager.yml", "route: {receiver: a}\nreceivers: [{name: a}]\n")
	cfg := write(t, dir, "alerter.yml", "rule_files: [alertmanager.yml]\n")
	code, out, errs := runCLI("check", cfg)
	if code != 1 || !strings.Contains(errs, "alertmanager.yml:1:1: not a rule file: this is an alerter or Alertmanager configuration") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

// TestCheckSummarisesWarnings: 10,000 warnings give a screenful, not
// 10,000 lines: the first ten, then a count of each kind.
func TestCheckSummarisesWarnings(t *testing.T) {
	var warns []*rules.Error
	for i := range 10000 {
		warns = append(warns, &rules.Error{File: "r.yml", Line: i + 1, Column: 3, Field: "record", Msg: fmt.Sprintf("rule %q is odd", fmt.Sprint("r", i))})
	}
	warns = append(warns, &rules.Error{File: "e.yml", Line: 1, Column: 1, Msg: "the file is empty"})
	var b strings.Builder
	printWarnings(&b, warns)
	out := b.String()
	if lines := strings.Count(out, "\n"); lines > 20 {
		t.Fatalf("%d lines of output:\n%.2000s", lines, out)
	}
	if !strings.Contains(out, "9991 more warnings") || !strings.Contains(out, "9990 × record: rule … is odd") || !strings.Contains(out, "1 × the file is empty") {
		t.Fatalf("output:\n%s", out)
	}
}

// TestCheckRecordingRulesWithoutRemoteWrite: a file of 10,000 recording
// rules checks clean and quietly; a configuration that lists them without
// remote_write gets one warning that they will not be evaluated.
func TestCheckRecordingRulesWithoutRemoteWrite(t *testing.T) {
	var b strings.Builder
	b.WriteString("groups:\n- name: g\n  rules:\n")
	for i := range 10000 {
		fmt.Fprintf(&b, "  - record: job:r%d:sum\n    expr: sum(up)\n", i)
	}
	b.WriteString("  - alert: A\n    expr: up == 0\n")
	dir := t.TempDir()
	p := write(t, dir, "rec.yml", b.String())
	code, out, errs := runCLI("check", p)
	if code != 0 || strings.Contains(out, "WARNING") || !strings.Contains(out, "SUCCESS: 10001 rules found") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	cfg := write(t, dir, "alerter.yml", "rule_files: [rec.yml]\n")
	code, out, errs = runCLI("check", cfg)
	if code != 0 || strings.Count(out, "WARNING") != 1 || !strings.Contains(out, "10000 recording rule(s) will not be evaluated: no remote_write") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	cfg = write(t, dir, "alerter-rw.yml", "rule_files: [rec.yml]\nremote_write: [{url: 'http://localhost:9090/api/v1/write'}]\n")
	code, out, errs = runCLI("check", cfg)
	if code != 0 || strings.Contains(out, "WARNING") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}
