package integration

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/promtest"
	"github.com/alerter/alerter/internal/webhooksink"
)

// Recording rules evaluated by alerter write into a real Prometheus
// through its remote-write receiver: the recorded series and ALERTS /
// ALERTS_FOR_STATE become queryable there, an alert of the same group that
// reads the recorded series fires, and when it resolves its ALERTS series
// end at once (staleness markers) instead of lingering for 5 minutes.
func TestRecordingRulesRemoteWrite(t *testing.T) {
	t.Parallel()
	e := &env{t: t, dir: t.TempDir()}
	e.bin = promtest.BuildAlerter(t)
	e.src = promtest.NewSource(t)
	e.prom = promtest.Start(t, promtest.Options{Targets: []string{e.src.Addr()}, RemoteWriteReceiver: true})
	e.sink = webhooksink.New(webhooksink.Options{})
	e.sinkSrv = httptest.NewServer(e.sink)
	t.Cleanup(e.sinkSrv.Close)
	e.port = promtest.FreePort(t)
	e.cfgPath = filepath.Join(e.dir, "alerter.yml")
	notify := strings.ReplaceAll(defaultNotify, "{{sink}}", e.sinkSrv.URL) + fmt.Sprintf(`remote_write:
  - url: %s/api/v1/write
    name: local
    queue_config: {batch_send_deadline: 200ms, min_backoff: 50ms, max_backoff: 1s}
`, e.prom.URL())
	cfg := fmt.Sprintf(testConfig, e.prom.URL(), filepath.Join(e.dir, "data"), e.port, "0s", notify)
	if err := os.WriteFile(e.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	e.writeRules(`groups:
  - name: rec
    interval: 1s
    rules:
      - record: job:test_value:max
        expr: max by (job) (test_value)
        labels: {source: alerter}
      - alert: RecordedHigh
        expr: job:test_value:max{source="alerter"} > 0.5
        labels: {severity: page}
`)
	e.src.Set("test_value", inst, 0)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()

	rec := e.prom.WaitForSeries(t, `job:test_value:max{source="alerter",job="promtest"}`, 60*time.Second)
	if rec[0].Value != 0 {
		t.Fatalf("recorded %v, want 0", rec[0].Value)
	}
	e.src.Set("test_value", inst, 1)
	e.waitAlert("RecordedHigh", "firing")
	e.waitNotified("RecordedHigh", "firing", 1)

	alerts := e.prom.WaitForSeries(t, `ALERTS{alertname="RecordedHigh",alertstate="firing"}`, 30*time.Second)
	if a := alerts[0]; a.Value != 1 || a.Metric["severity"] != "page" || a.Metric["source"] != "alerter" || a.Metric["job"] != "promtest" {
		t.Fatalf("ALERTS: %+v", a)
	}
	fs := e.prom.WaitForSeries(t, `ALERTS_FOR_STATE{alertname="RecordedHigh"}`, 30*time.Second)
	active, _ := e.alert("RecordedHigh")
	if active.ActiveAt == nil || int64(fs[0].Value) != active.ActiveAt.Unix() {
		t.Fatalf("ALERTS_FOR_STATE %v, want the alert's activeAt %v", fs[0].Value, active.ActiveAt)
	}
	if r, ok := e.rule("job:test_value:max"); !ok || r.Type != "recording" || r.Health != "ok" || r.LastEvaluation.IsZero() {
		t.Fatalf("/api/v1/rules: %+v", r)
	}
	if n := e.metricValue("alerter_remote_write_samples_total", `remote_name="local"`); n < 3 {
		t.Fatalf("alerter_remote_write_samples_total = %v", n)
	}

	e.src.Set("test_value", inst, 0)
	e.waitNotified("RecordedHigh", "resolved", 1)
	waitUntil(t, 30*time.Second, "ALERTS to end in Prometheus", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := e.prom.Query(ctx, `ALERTS{alertname="RecordedHigh"}`)
		return err == nil && len(s) == 0
	})
	if n := e.metricValue("alerter_remote_write_samples_failed_total", `remote_name="local"`); n != 0 {
		t.Fatalf("%v samples refused by Prometheus", n)
	}
}
