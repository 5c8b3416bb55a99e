package ruletest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestParseErrorsArePositioned checks that every kind of problem in a
// test file is reported at its line and column, all at once.
func TestParseErrorsArePositioned(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"unknown key", "rule_files: []\ntests:\n  - intervall: 1m\n", []string{`3:5: tests[0]: unknown field "intervall"`}},
		{"wrong type", "tests:\n  - interval: soon\n", []string{"2:15: tests[0].interval:"}},
		{"repeated key", "tests: []\ntests: []\n", []string{"2:1:", "tests"}},
		{"two problems", "tests:\n  - interval: 1m\n    alert_rule_test:\n      - eval_time: 1m\n      - eval_time: 2m\n", []string{
			"4:9: tests[0].alert_rule_test[0]: an item under alert_rule_test misses required attribute alertname at eval_time 1m",
			"5:9: tests[0].alert_rule_test[1]: an item under alert_rule_test misses required attribute alertname at eval_time 2m",
		}},
		{"two decoding problems", "tests:\n  - interval: -1m\n    input_series: {}\n", []string{
			`2:15: tests[0].interval: not a valid duration string: "-1m"`,
			"3:19: tests[0].input_series:",
		}},
		{"repeated group order", "group_eval_order: [a, b, a]\n", []string{"1:26: group_eval_order[2]: group name repeated in evaluation order: a"}},
		{"notifications without config", "tests:\n  - notification_test:\n      - eval_time: 1m\n", []string{"3:7: tests[0].notification_test: notification tests need the alerter configuration"}},
		{"config twice", "config_file: a.yml\nconfig: {}\n", []string{"2:9: config: config_file and config are mutually exclusive"}},
		{"bad status", "config: {}\ntests:\n  - notification_test:\n      - eval_time: 1m\n        exp_notifications:\n          - receiver: r\n            status: sent\n            alerts: [{status: gone}]\n", []string{
			`7:21: tests[0].notification_test[0].exp_notifications[0].status: must be firing or resolved, not "sent"`,
			`8:31: tests[0].notification_test[0].exp_notifications[0].alerts[0].status: must be firing or resolved, not "gone"`,
		}},
		{"no receiver", "config: {}\ntests:\n  - notification_test:\n      - eval_time: 1m\n        exp_notifications:\n          - status: firing\n", []string{"6:13: tests[0].notification_test[0].exp_notifications[0]: receiver is required"}},
		{"bad silence", "config: {}\ntests:\n  - silences:\n      - matchers: []\n        ends_at: 0s\n", []string{
			"4:9: tests[0].silences[0]: a silence needs at least one matcher",
			"5:18: tests[0].silences[0].ends_at: ends_at must be after starts_at",
		}},
		{"bad matcher", "config: {}\ntests:\n  - acknowledgements:\n      - matchers: ['a=~(']\n", []string{"tests[0].acknowledgements[0].matchers"}},
		{"silences without config", "tests:\n  - silences:\n      - matchers: ['a=\"b\"']\n        ends_at: 1m\n", []string{"2:5: tests[0]: silences and acknowledgements only affect notification tests"}},
		{"empty", "", []string{"empty test file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "t.yml", tc.text)
			_, err := ParseFile(p)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if !strings.HasPrefix(err.Error(), p) {
				t.Errorf("error does not start with the file name: %v", err)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	f, err := Parse([]byte("evaluation_interval: 30s\ntests:\n  - input_series: []\n  - interval: 10s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Tests[0].Interval != f.EvaluationInterval || f.Tests[1].Interval.String() != "10s" {
		t.Fatalf("intervals %v %v", f.Tests[0].Interval, f.Tests[1].Interval)
	}
	f, err = Parse([]byte("tests: []\n"))
	if err != nil || f.EvaluationInterval.String() != "1m" {
		t.Fatalf("default evaluation interval %v, %v", f.EvaluationInterval, err)
	}
}

// TestRunFileErrors: what stops a whole file is reported with its
// position, in the file that has the problem.
func TestRunFileErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad-rules.yml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x >\n")
	writeFile(t, dir, "good-rules.yml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x > 0\n")
	writeFile(t, dir, "bad-config.yml", "route:\n  receiver: nobody\n")
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"bad rule file", "rule_files: [bad-rules.yml]\ntests: []\n", []string{"bad-rules.yml:5:"}},
		{"missing rule file is a warning", "rule_files: [nothere.yml]\ntests: []\n", nil},
		{"bad config file", "rule_files: [good-rules.yml]\nconfig_file: bad-config.yml\ntests: []\n", []string{"bad-config.yml", "nobody"}},
		{"bad inline config", "rule_files: [good-rules.yml]\nconfig:\n  route:\n    receiver: r\n    group_wait: soon\n  receivers: [{name: r}]\ntests: []\n", []string{"t.test.yml:5:17: config.route.group_wait"}},
		{"bad series", "rule_files: [good-rules.yml]\ntests:\n  - interval: 1m\n    input_series:\n      - series: 'up{'\n        values: 1\n    alert_rule_test: [{eval_time: 1m, alertname: A, exp_alerts: []}]\n", []string{"t.test.yml:5:17: input_series[0]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, "t.test.yml", tc.text)
			res := RunFile(context.Background(), p, Options{})
			var out strings.Builder
			Report(&out, res)
			if tc.want == nil {
				if !res.Passed() || !strings.Contains(out.String(), "WARNING: no file match pattern") {
					t.Fatalf("want a pass with a warning:\n%s", out.String())
				}
				return
			}
			if res.Passed() {
				t.Fatalf("passed:\n%s", out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "promtool", "*.yml"))
	ex, _ := filepath.Glob(filepath.Join("..", "examples", "tests", "*.yml"))
	for _, s := range append(seeds, ex...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("tests:\n  - notification_test: [{eval_time: 1m, exp_notifications: [{receiver: r, at: 1m}]}]\nconfig: {}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if file.EvaluationInterval <= 0 {
			t.Fatalf("evaluation interval %v after defaults", file.EvaluationInterval)
		}
		for _, tg := range file.Tests {
			if tg.Interval <= 0 {
				t.Fatalf("test interval %v after defaults", tg.Interval)
			}
		}
	})
}
