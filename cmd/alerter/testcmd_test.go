package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTestExamples runs `alerter test` on the documented examples, which
// must pass; promtool must pass the one in its format and reject the one
// using alerter's extensions.
func TestTestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/tests/*.test.yml")
	if err != nil || len(files) < 2 {
		t.Fatalf("no example tests: %v", err)
	}
	code, out, errs := runCLI(append([]string{"test"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if n := strings.Count(out, "SUCCESS"); n != len(files) {
		t.Fatalf("%d SUCCESS for %d files:\n%s", n, len(files), out)
	}
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is required in CI: %v", err)
		}
		t.Skipf("promtool not found: %v", err)
	}
	if out, err := exec.Command(bin, "test", "rules", "../../examples/tests/prometheus-style.test.yml").CombinedOutput(); err != nil {
		t.Errorf("promtool fails the promtool-format example: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "test", "rules", "../../examples/tests/notifications.test.yml").CombinedOutput(); err == nil {
		t.Errorf("promtool accepts the example with alerter's extensions:\n%s", out)
	}
}

func TestTestFailsAndReports(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "rules.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: x > 0\n    for: 2m\n")
	bad := write(t, dir, "bad.test.yml", `rule_files: [rules.yml]
tests:
  - name: too early
    interval: 1m
    input_series:
      - series: x
        values: 1x5
    alert_rule_test:
      - eval_time: 1m
        alertname: A
        exp_alerts: [{exp_labels: {}}]
`)
	broken := write(t, dir, "broken.test.yml", "rule_files: [rules.yml]\ntests:\n  - interval: 1m\n    input_serie: []\n")
	code, out, _ := runCLI("test", bad, broken)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"Unit Testing: " + bad, "alertname: A, time: 1m", "missing:", "pending since 0s; with for: 2m it fires at 2m",
		"Unit Testing: " + broken, broken + `:4:5: tests[0]: unknown field "input_serie"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCLI("test"); code != 2 {
		t.Errorf("no files: exit %d, want 2", code)
	}
	if code, _, _ := runCLI("test", "--run", "(", bad); code != 2 {
		t.Errorf("bad --run: exit %d, want 2", code)
	}
	code, out, _ = runCLI("test", "--run", "^nothing$", bad)
	if code != 0 || !strings.Contains(out, "SUCCESS") {
		t.Errorf("--run selecting nothing: exit %d\n%s", code, out)
	}
}
