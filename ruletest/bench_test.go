package ruletest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchFiles writes a rule file with rules alerting rules (over metrics
// metrics, instances series each) and a test file feeding a day of
// one-minute samples to every series, with alert checks spread over the
// day so that the whole day is evaluated.
func benchFiles(b *testing.B, rules, metrics, instances int) string {
	b.Helper()
	dir := b.TempDir()
	var rf strings.Builder
	rf.WriteString("groups:\n")
	for g := range 10 {
		fmt.Fprintf(&rf, "  - name: g%d\n    rules:\n", g)
		for r := g; r < rules; r += 10 {
			fmt.Fprintf(&rf, `      - alert: A%03d
        expr: bench_metric_%03d > %d
        for: 5m
        labels: {severity: warning}
        annotations:
          summary: "{{ $labels.instance }} at {{ $value | humanize }}"
`, r, r%metrics, 500+r)
		}
	}
	var tf strings.Builder
	tf.WriteString("rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n")
	for m := range metrics {
		for i := range instances {
			// Up by one a minute for half a day, then down: every rule
			// fires once and resolves once.
			fmt.Fprintf(&tf, "      - series: 'bench_metric_%03d{instance=\"host-%02d\"}'\n        values: '%d+1x720 %d-1x719'\n", m, i, i, i+721)
		}
	}
	tf.WriteString("    alert_rule_test:\n")
	for _, at := range []string{"6h", "12h", "18h", "24h"} {
		fmt.Fprintf(&tf, "      - eval_time: %s\n        alertname: A000\n        exp_alerts: []\n", at)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(rf.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(dir, "bench.test.yml")
	if err := os.WriteFile(p, []byte(tf.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkRunFile is alerter test on a file with 100 rules and 1,000
// series over a day of one-minute samples (1,441 evaluations of every
// rule). The test expects no alert at the checked times while some fire:
// it fails, which is reported, not an error here.
func BenchmarkRunFile(b *testing.B) {
	p := benchFiles(b, 100, 100, 10)
	b.ReportAllocs()
	for b.Loop() {
		res := RunFile(context.Background(), p, Options{})
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		if len(res.Tests) != 1 {
			b.Fatalf("tests %d", len(res.Tests))
		}
	}
}
