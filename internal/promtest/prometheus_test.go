package promtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func query1(t *testing.T, p *Prometheus, q string) Sample {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := p.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("query %q returned %d samples, want 1: %v", q, len(got), got)
	}
	return got[0]
}

func TestPrometheusScrapesSourceAcrossRestart(t *testing.T) {
	src := NewSource(t)
	src.Set("promtest_gauge", map[string]string{"instance": "a"}, 42)
	prom := Start(t, Options{Targets: []string{src.Addr()}})

	got := prom.WaitForSeries(t, `promtest_gauge == 42`, 15*time.Second)
	if got[0].Metric["instance"] != "a" || got[0].Metric["job"] != "promtest" {
		t.Errorf("labels %v, want instance=a (honoured) and job=promtest", got[0].Metric)
	}

	prom.Stop()
	prom.Stop() // idempotent
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := prom.Query(ctx, "up"); err == nil {
		t.Fatal("query succeeded while Prometheus was stopped")
	}

	src.Set("promtest_gauge", map[string]string{"instance": "a"}, 7)
	addr := prom.Addr()
	prom.Restart()
	if prom.Addr() != addr {
		t.Errorf("Restart moved from %s to %s", addr, prom.Addr())
	}
	prom.WaitForSeries(t, `promtest_gauge == 7`, 15*time.Second)
	// 42 was only ever scraped before the restart: it persisted.
	if s := query1(t, prom, `max_over_time(promtest_gauge[10m])`); s.Value != 42 {
		t.Errorf("max_over_time after restart = %v, want 42", s.Value)
	}

	// A deleted gauge goes stale at the next scrape.
	src.Delete("promtest_gauge", map[string]string{"instance": "a"})
	prom.WaitForSeries(t, `absent(promtest_gauge)`, 15*time.Second)
}

func TestPrometheusRuleFilesAndScalar(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules.yml")
	err := os.WriteFile(rules, []byte(`groups:
  - name: promtest
    rules:
      - record: promtest:gauge:sum
        expr: sum(promtest_gauge)
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	src := NewSource(t)
	src.SetMany([]Gauge{
		{Name: "promtest_gauge", Labels: map[string]string{"i": "1"}, Value: 1},
		{Name: "promtest_gauge", Labels: map[string]string{"i": "2"}, Value: 2},
	})
	prom := Start(t, Options{Targets: []string{src.Addr()}, RuleFiles: []string{rules}})
	got := prom.WaitForSeries(t, `promtest:gauge:sum == 3`, 20*time.Second)
	if got[0].Value != 3 || got[0].Time.IsZero() {
		t.Errorf("recorded sample %+v", got[0])
	}
	if s := query1(t, prom, `scalar(vector(1.5))`); s.Value != 1.5 || s.Metric != nil {
		t.Errorf("scalar sample %+v", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := prom.Query(ctx, `sum(`); err == nil || !strings.Contains(err.Error(), "bad_data") {
		t.Errorf("bad query error = %v, want bad_data", err)
	}
	if _, err := prom.Query(ctx, `promtest_gauge[1m]`); err == nil || !strings.Contains(err.Error(), "matrix") {
		t.Errorf("range query error = %v, want unsupported matrix", err)
	}
}

func TestConfigYAML(t *testing.T) {
	o := Options{
		Targets:        []string{"127.0.0.1:1"},
		ScrapeInterval: 1500 * time.Millisecond,
		RuleFiles:      []string{"/r.yml"},
	}.withDefaults()
	got, err := o.configYAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"scrape_interval: 1500ms", "scrape_timeout: 1500ms", "evaluation_interval: 1000ms",
		`- "/r.yml"`, `job_name: "promtest"`, "honor_labels: true", `- "127.0.0.1:1"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
}

func TestConfigYAMLAlerting(t *testing.T) {
	o := Options{Alertmanagers: []string{"127.0.0.1:9095"}, AlertmanagerToken: "s3cret", RemoteWriteReceiver: true}.withDefaults()
	got, err := o.configYAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"alerting:\n  alertmanagers:\n    - api_version: v2\n",
		"      authorization:\n        credentials: \"s3cret\"\n",
		"      static_configs:\n        - targets:\n            - \"127.0.0.1:9095\"\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if args := o.args(); len(args) != 1 || args[0] != "--web.enable-remote-write-receiver" {
		t.Errorf("args = %q", args)
	}
}

func TestStartReportsPrometheusFailure(t *testing.T) {
	Binary(t)
	rules := filepath.Join(t.TempDir(), "bad.yml")
	if err := os.WriteFile(rules, []byte("groups: [{name: x, rules: [{record: 'bad name', expr: '1'}]}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ft := runFake(t, func(tb testing.TB) { Start(tb, Options{RuleFiles: []string{rules}}) })
	if !ft.fatal || !strings.Contains(ft.msg, "exited before it was ready") || !strings.Contains(ft.msg, "bad name") {
		t.Errorf("got fatal=%v, message:\n%s\nwant the exit and Prometheus's log", ft.fatal, ft.msg)
	}
}
