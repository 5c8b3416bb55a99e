package promtest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestReconfigureLoadsRuleFiles(t *testing.T) {
	src := NewSource(t)
	src.Set("promtest_gauge", map[string]string{"instance": "a"}, 3)
	opts := Options{Targets: []string{src.Addr()}}
	prom := Start(t, opts)
	prom.WaitForSeries(t, "promtest_gauge", 15*time.Second)

	rules := filepath.Join(t.TempDir(), "rules.yml")
	const file = "groups:\n- name: g\n  rules:\n  - record: promtest_doubled\n    expr: promtest_gauge * 2\n"
	if err := os.WriteFile(rules, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.RuleFiles = []string{rules}
	addr := prom.Addr()
	prom.Reconfigure(t, opts)
	if prom.Addr() != addr {
		t.Errorf("Reconfigure moved Prometheus from %s to %s", addr, prom.Addr())
	}
	prom.WaitForSeries(t, "promtest_doubled == 6", 15*time.Second)
}
