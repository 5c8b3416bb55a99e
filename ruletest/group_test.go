package ruletest

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func runText(t *testing.T, rulesText, testText string) (*FileResult, string) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "rules.yml", rulesText)
	p := writeFile(t, dir, "t.test.yml", testText)
	res := RunFile(context.Background(), p, Options{})
	var out strings.Builder
	Report(&out, res)
	return res, out.String()
}

// TestScheduleAndInterval: a cron-scheduled group (alerter's extension)
// evaluates at the times its schedule names; a group with its own
// interval evaluates every evaluation_interval, as promtool does.
func TestScheduleAndInterval(t *testing.T) {
	res, out := runText(t, `
groups:
  - name: cron
    schedule: "*/5 * * * *"
    rules:
      - alert: Cron
        expr: x > 0
  - name: slow
    interval: 10m
    rules:
      - alert: Slow
        expr: x > 0
`, `
rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: x
        values: '0 1 1 1 1 1 1 1 1 1 1 1'
    alert_rule_test:
      - {eval_time: 1m, alertname: Slow, exp_alerts: [{exp_labels: {}}]}
      - {eval_time: 4m, alertname: Cron, exp_alerts: []}
      - {eval_time: 5m, alertname: Cron, exp_alerts: [{exp_labels: {}}]}
`)
	if !res.Passed() {
		t.Fatal(out)
	}
}

// TestAlerterExtensions: condition, resolve and severities evaluate as in
// alerter run, and a failing test says what it saw.
func TestAlerterExtensions(t *testing.T) {
	rules := `
groups:
  - name: disk
    rules:
      - alert: DiskFull
        query: disk_used_ratio
        condition: labels.env == "prod" && value > 0.9
        resolve: value < 0.8
        severities:
          - {severity: critical, condition: value > 0.97}
          - {severity: warning, condition: value > 0.9}
        annotations:
          summary: "{{ $labels.instance }} {{ $value | humanizePercentage }}"
`
	res, out := runText(t, rules, `
rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'disk_used_ratio{instance="a", env="prod"}'
        values: '0.5 0.95 0.98 0.85 0.79'
      - series: 'disk_used_ratio{instance="b", env="dev"}'
        values: '0.99x4'
    alert_rule_test:
      - eval_time: 1m
        alertname: DiskFull
        exp_alerts: [{exp_labels: {instance: a, env: prod, severity: warning}, exp_annotations: {summary: "a 95%"}}]
      - eval_time: 3m
        alertname: DiskFull
        exp_alerts: [{exp_labels: {instance: a, env: prod, severity: critical}, exp_annotations: {summary: "a 85%"}}]
      - eval_time: 4m
        alertname: DiskFull
        exp_alerts: []
`)
	if !res.Passed() {
		t.Fatal(out)
	}
	res, out = runText(t, rules, `
rule_files: [rules.yml]
tests:
  - name: wrong severity
    interval: 1m
    input_series:
      - series: 'disk_used_ratio{instance="a", env="prod"}'
        values: '0.98'
    alert_rule_test:
      - eval_time: 0m
        alertname: DiskFull
        exp_alerts: [{exp_labels: {instance: a, env: prod, severity: warning}, exp_annotations: {summary: "a 98%"}}]
`)
	if res.Passed() {
		t.Fatal("passed")
	}
	for _, want := range []string{"name: wrong severity", `missing:    {alertname="DiskFull", env="prod", instance="a", severity="warning"}`,
		`closest got {alertname="DiskFull", env="prod", instance="a", severity="critical"}`, `severity: expected "warning", got "critical"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestInlineConfigAndRepeat: the configuration written inline; a
// notification test window that expects nothing new; repeat_interval.
func TestInlineConfigAndRepeat(t *testing.T) {
	res, out := runText(t, "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x > 0\n", `
rule_files: [rules.yml]
config:
  route:
    receiver: r
    group_by: [alertname]
    group_wait: 0s
    group_interval: 1m
    repeat_interval: 30m
  receivers:
    - name: r
      slack_configs: [{api_url: "https://hooks.slack.example.com/x", send_resolved: false}]
tests:
  - interval: 1m
    input_series:
      - series: x
        values: 1x40 0x5
    notification_test:
      - eval_time: 0s
        exp_notifications: [{receiver: r, at: 0s, alerts: [{exp_labels: {alertname: A}}]}]
      - eval_time: 29m
        exp_notifications: []
      - eval_time: 31m
        exp_notifications: [{receiver: r, at: 30m, repeat: true, alerts: [{exp_labels: {alertname: A}}]}]
      # Resolved at 41m: send_resolved is false, nothing is sent.
      - eval_time: 45m
        exp_notifications: []
`)
	if !res.Passed() {
		t.Fatal(out)
	}
}

// TestGroupWaitEarly: with group_wait_early a new group's first
// notification goes out as soon as the evaluations due when it formed are
// stored, as in alerter run: at the evaluation that fired it, not
// group_wait later.
func TestGroupWaitEarly(t *testing.T) {
	for _, c := range []struct {
		early bool
		at    string
	}{{false, "2m30s"}, {true, "2m"}} {
		res, out := runText(t, "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x > 0\n        for: 1m\n", fmt.Sprintf(`
rule_files: [rules.yml]
config:
  route:
    receiver: r
    group_by: [alertname]
    group_wait: 30s
    group_wait_early: %v
  receivers:
    - name: r
      webhook_configs: [{url: "http://sink.example/"}]
tests:
  - interval: 1m
    input_series:
      - series: x
        values: 0 1x10
    notification_test:
      - eval_time: 3m
        exp_notifications: [{receiver: r, at: %s, alerts: [{exp_labels: {alertname: A}}]}]
`, c.early, c.at))
		if !res.Passed() {
			t.Errorf("group_wait_early: %v:\n%s", c.early, out)
		}
	}
}
