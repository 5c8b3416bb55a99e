package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/promtest"
	"github.com/alerter/alerter/internal/webhooksink"
)

// pushToken is the API token of the push tests: Prometheus sends it as its
// Alertmanager credentials.
const pushToken = "push-api-token"

// newPushEnv is a scenario where Prometheus evaluates promRules itself and
// sends its alerts to alerter (alerting.alertmanagers), which routes them
// to the sink. alerter has no rules of its own and requires a token for
// changes, which Prometheus sends.
func newPushEnv(t *testing.T, promRules string) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.bin = promtest.BuildAlerter(t)
	e.src = promtest.NewSource(t)
	e.sink = webhooksink.New(webhooksink.Options{})
	e.sinkSrv = httptest.NewServer(e.sink)
	t.Cleanup(e.sinkSrv.Close)
	e.port = promtest.FreePort(t)
	e.cfgPath = filepath.Join(e.dir, "alerter.yml")
	notify := strings.ReplaceAll(defaultNotify, "{{sink}}", e.sinkSrv.URL)
	promRulesPath := filepath.Join(e.dir, "prometheus-rules.yml")
	if err := os.WriteFile(promRulesPath, []byte(promRules), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "token"), []byte(pushToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.prom = promtest.Start(t, promtest.Options{
		Targets:           []string{e.src.Addr()},
		RuleFiles:         []string{promRulesPath},
		Alertmanagers:     []string{fmt.Sprintf("127.0.0.1:%d", e.port)},
		AlertmanagerToken: pushToken,
		// Re-send firing alerts every second (endsAt = now + 4s), so that
		// the test sees refreshes and resolutions quickly.
		ExtraArgs: []string{"--rules.alert.resend-delay=1s"},
	})
	cfg := fmt.Sprintf(testConfig, e.prom.URL(), filepath.Join(e.dir, "data"), e.port, "0s", notify)
	cfg = strings.Replace(cfg, "web:\n", "web:\n  auth:\n    token_file: token\n", 1)
	cfg = strings.Replace(cfg, "global:\n", "global:\n  resolve_timeout: 1m\n", 1)
	if err := os.WriteFile(e.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	e.writeRules("groups: []\n")
	return e
}

// pushedAMAlert is the part of Alertmanager's gettableAlert the tests read.
type pushedAMAlert struct {
	Labels       map[string]string `json:"labels"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Receivers    []struct {
		Name string `json:"name"`
	} `json:"receivers"`
}

func (e *env) pushedAMAlerts() []pushedAMAlert {
	resp, err := http.Get(e.apiURL("/api/v2/alerts"))
	if err != nil {
		e.t.Logf("GET /api/v2/alerts: %v", err)
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []pushedAMAlert
	if err := json.Unmarshal(b, &out); err != nil {
		e.t.Logf("GET /api/v2/alerts: %v: %s", err, b)
	}
	return out
}

// A Prometheus whose own rule manager fires an alert, with alerter as its
// Alertmanager: the alert reaches the webhook through alerter's routing,
// shows in the APIs, survives an alerter restart without a second page,
// and resolves when the Prometheus rule stops firing.
func TestPrometheusPushesAlerts(t *testing.T) {
	t.Parallel()
	e := newPushEnv(t, `groups:
  - name: prom
    rules:
      - alert: PromSideHigh
        expr: test_value > 0.5
        labels: {severity: page}
        annotations: {summary: "value is {{ $value }}"}
`)
	e.src.Set("test_value", inst, 0)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()

	e.src.Set("test_value", inst, 1)
	e.waitNotified("PromSideHigh", "firing", 1)
	p := e.sink.Payloads()[0]
	a := p.Alerts[0]
	if p.Receiver != "sink" || a.Labels["severity"] != "page" || a.Labels["instance"] != "a" ||
		a.Annotations["summary"] != "value is 1" || !strings.Contains(a.GeneratorURL, "/graph?g0.expr=test_value") {
		t.Fatalf("notification: receiver %q, alert %+v", p.Receiver, a)
	}

	// Listed by Alertmanager's API (with its receivers) and Prometheus's.
	var listed []pushedAMAlert
	waitUntil(t, 30*time.Second, "the pushed alert in /api/v2/alerts", func() bool {
		listed = e.pushedAMAlerts()
		return len(listed) == 1
	})
	if l := listed[0]; l.Labels["alertname"] != "PromSideHigh" || len(l.Receivers) != 1 || l.Receivers[0].Name != "sink" || !l.EndsAt.After(l.StartsAt) {
		t.Fatalf("/api/v2/alerts: %+v", l)
	}
	if got, ok := e.alert("PromSideHigh"); !ok || got.State != "firing" {
		t.Fatalf("/api/v1/alerts: %+v, %v", got, ok)
	}
	// Prometheus re-sends every second: refreshes, not new notifications.
	before := e.metricValue("alerter_alerts_received_total", `status="firing"`)
	waitUntil(t, 30*time.Second, "three re-sends", func() bool {
		return e.metricValue("alerter_alerts_received_total", `status="firing"`) >= before+3
	})
	if n := e.notified("PromSideHigh", "firing"); n != 1 {
		t.Fatalf("%d firing notifications after re-sends, want 1", n)
	}

	// A restart keeps the alert (from the state store) and pages nobody.
	e.restart()
	if got, ok := e.alert("PromSideHigh"); !ok || got.State != "firing" {
		t.Fatalf("after the restart: %+v, %v", got, ok)
	}
	after := e.metricValue("alerter_alerts_received_total", `status="firing"`)
	waitUntil(t, 30*time.Second, "re-sends after the restart", func() bool {
		return e.metricValue("alerter_alerts_received_total", `status="firing"`) >= after+2
	})
	if n := e.notified("PromSideHigh", "firing"); n != 1 {
		t.Fatalf("%d firing notifications after the restart, want 1", n)
	}

	// The Prometheus rule stops firing: Prometheus sends the resolution.
	e.src.Set("test_value", inst, 0)
	e.waitNotified("PromSideHigh", "resolved", 1)
	waitUntil(t, 30*time.Second, "the alert gone from /api/v2/alerts", func() bool { return len(e.pushedAMAlerts()) == 0 })
	if errs := e.sink.Errors(); len(errs) > 0 {
		t.Fatalf("malformed notifications: %v", errs)
	}
}

// Pushing needs the API token like any other change.
func TestPushNeedsToken(t *testing.T) {
	t.Parallel()
	e := newPushEnv(t, "groups: []\n")
	e.start()
	body := `[{"labels":{"alertname":"Manual"}}]`
	resp, err := http.Post(e.apiURL("/api/v2/alerts"), "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST without a token = %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, e.apiURL("/api/v2/alerts"), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+pushToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST with the token = %d", resp.StatusCode)
	}
	e.waitNotified("Manual", "firing", 1)
}
