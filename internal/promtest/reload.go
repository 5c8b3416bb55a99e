package promtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"
)

// reloadTimeout bounds one POST /-/reload; loading thousands of rules takes
// a moment.
const reloadTimeout = 2 * time.Minute

// Reconfigure rewrites Prometheus's configuration from opts and reloads it
// in place (POST /-/reload), keeping its process, port and data: a load test
// swaps rule files between phases without paying for a restart and a fresh
// scrape. ExtraArgs cannot change without a restart and are ignored. A
// failed reload fails the test. Call it from the test's goroutine.
func (p *Prometheus) Reconfigure(t testing.TB, opts Options) {
	t.Helper()
	cfg, err := opts.withDefaults().configYAML()
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	if err := os.WriteFile(p.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatalf("promtest: writing prometheus config: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL()+"/-/reload", nil)
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	// The shared client's 10s timeout is too short for a large rule set.
	resp, err := (&http.Client{Timeout: reloadTimeout}).Do(req)
	if err != nil {
		t.Fatalf("promtest: reloading prometheus: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("promtest: reloading prometheus: %s: %s", resp.Status, body)
	}
}

// MetricsURL is the address of Prometheus's own metrics, e.g. its rule
// group durations and HTTP request counters.
func (p *Prometheus) MetricsURL() string { return fmt.Sprintf("%s/metrics", p.URL()) }
