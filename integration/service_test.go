package integration

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/internal/promtest"
	"github.com/alerter/alerter/server"
)

func TestSIGHUPReloads(t *testing.T) {
	t.Parallel()
	e := newEnvWatch(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: First
        expr: test_value > 0.5
`, "0s")
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitAlert("First", "firing")
	e.writeRules(`groups:
  - name: g
    interval: 1s
    rules:
      - alert: First
        expr: test_value > 0.5
      - alert: Second
        expr: test_value > 0.5
`)
	e.waitEvals("First", 2)
	if _, ok := e.rule("Second"); ok {
		t.Fatal("rules reloaded with watching off and no signal")
	}
	if err := e.proc.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	e.waitAlert("Second", "firing")
	if n := e.notified("First", "firing"); n != 1 {
		t.Fatalf("SIGHUP re-paged First: %d", n)
	}
}

// TestInProcessService starts the whole service in this process, as the
// style guide asks: two instances could run side by side.
func TestInProcessService(t *testing.T) {
	src := promtest.NewSource(t)
	prom := promtest.Start(t, promtest.Options{Targets: []string{src.Addr()}})
	src.Set("test_value", inst, 1)
	prom.WaitForSeries(t, "test_value", 30*time.Second)
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "rules.yml")
	if err := os.WriteFile(rulesPath, []byte("groups:\n- name: g\n  interval: 1s\n  rules:\n  - alert: InProc\n    expr: test_value > 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{
		LoadConfig: func() (*config.Config, error) {
			c := config.Default()
			c.Datasource.URL = prom.URL()
			c.RuleFiles = []string{rulesPath}
			c.Storage.Path = filepath.Join(dir, "data")
			c.Web.ListenAddress = "127.0.0.1:0"
			return c, nil
		},
		Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	base := "http://" + srv.Addr()
	waitUntil(t, 30*time.Second, "in-process alert firing", func() bool {
		for _, a := range srv.Manager().Alerts() {
			if a.Labels["alertname"] == "InProc" && a.State.String() == "firing" {
				return true
			}
		}
		return false
	})
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"alerter_rule_group_iterations_total", "alerter_alerts{state=\"firing\"} 1", "alerter_config_last_reload_successful 1", "alerter_dispatcher_aggregation_groups", "alerter_build_info"} {
		if !contains(string(b), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
