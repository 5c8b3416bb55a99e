package integration

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

var inst = map[string]string{"instance": "a"}

func TestPendingFiringResolved(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: High
        expr: test_value > 0.5
        for: 3s
        labels: {severity: page}
        annotations: {summary: "value is {{ $value }}"}
`)
	e.src.Set("test_value", inst, 0)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()

	e.src.Set("test_value", inst, 1)
	p := e.waitAlert("High", "pending")
	if p.ActiveAt == nil || p.Annotations["summary"] != "value is 1" {
		t.Fatalf("pending alert: %+v", p)
	}
	f := e.waitAlert("High", "firing")
	if !f.ActiveAt.Equal(*p.ActiveAt) {
		t.Fatalf("activeAt changed from pending %v to firing %v", p.ActiveAt, f.ActiveAt)
	}
	e.waitNotified("High", "firing", 1)
	if n := e.notified("High", "resolved"); n != 0 {
		t.Fatalf("%d resolved notifications while firing", n)
	}

	e.src.Set("test_value", inst, 0)
	e.waitNotified("High", "resolved", 1)
	waitUntil(t, 30*time.Second, "alert gone from the API", func() bool {
		_, ok := e.alert("High")
		return !ok
	})
	// Every payload is a valid Alertmanager v4 webhook and carries labels.
	for _, pl := range e.sink.Payloads() {
		if err := pl.Validate(); err != nil {
			t.Fatalf("invalid payload: %v", err)
		}
		for _, a := range pl.Alerts {
			if a.Labels["instance"] != "a" || a.Labels["severity"] != "page" || a.Fingerprint == "" {
				t.Fatalf("alert in payload: %+v", a)
			}
		}
	}
	if n := e.notified("High", "firing"); n != 1 {
		t.Fatalf("firing notified %d times, want 1", n)
	}
}

func TestFlappingNeverFires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Flappy
        expr: test_value > 0.5
        for: 8s
`)
	e.src.Set("test_value", inst, 0)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	sawPending := false
	deadline := time.Now().Add(16 * time.Second)
	for v := 1.0; time.Now().Before(deadline); v = 1 - v {
		e.src.Set("test_value", inst, v)
		end := time.Now().Add(2 * time.Second)
		for time.Now().Before(end) {
			if a, ok := e.alert("Flappy"); ok {
				if a.State == "firing" {
					t.Fatal("flapping input fired")
				}
				sawPending = true
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !sawPending {
		t.Fatal("never saw the alert pending: the input did not reach alerter")
	}
	if n := e.notified("Flappy", "firing"); n != 0 {
		t.Fatalf("%d firing notifications for flapping input", n)
	}
}

func TestKeepFiringForCarriesADip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Sticky
        expr: test_value > 0.5
        keep_firing_for: 20s
`)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitAlert("Sticky", "firing")
	e.waitNotified("Sticky", "firing", 1)

	e.src.Set("test_value", inst, 0)
	waitUntil(t, 30*time.Second, "keepFiringSince set", func() bool {
		a, ok := e.alert("Sticky")
		return ok && a.State == "firing" && a.KeepFiringSince != nil
	})
	e.src.Set("test_value", inst, 1)
	waitUntil(t, 30*time.Second, "keepFiringSince reset", func() bool {
		a, ok := e.alert("Sticky")
		return ok && a.State == "firing" && a.KeepFiringSince == nil
	})
	if n := e.notified("Sticky", "resolved"); n != 0 {
		t.Fatalf("the dip sent %d resolved notifications", n)
	}
	if n := e.notified("Sticky", "firing"); n != 1 {
		t.Fatalf("the dip re-paged: %d firing notifications", n)
	}
}

func TestResolveHysteresisAndSeverityRise(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Usage
        query: test_value
        condition: value > 0.9
        resolve: value < 0.8
        severities:
          - severity: critical
            condition: value > 0.97
          - severity: warning
            condition: value > 0.9
`)
	e.src.Set("test_value", inst, 0.5)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()

	e.src.Set("test_value", inst, 0.95)
	a := e.waitAlert("Usage", "firing")
	if a.Labels["severity"] != "warning" {
		t.Fatalf("severity %q, want warning", a.Labels["severity"])
	}
	e.src.Set("test_value", inst, 0.99)
	waitUntil(t, 30*time.Second, "severity critical", func() bool {
		a, ok := e.alert("Usage")
		return ok && a.Labels["severity"] == "critical"
	})
	b, _ := e.alert("Usage")
	if !b.ActiveAt.Equal(*a.ActiveAt) {
		t.Fatalf("severity rise made a new alert: activeAt %v -> %v", a.ActiveAt, b.ActiveAt)
	}
	if n := len(e.alerts()); n != 1 {
		t.Fatalf("%d alerts after the rise, want 1", n)
	}
	waitUntil(t, 30*time.Second, "re-notified with critical", func() bool {
		for _, p := range e.sink.Payloads() {
			for _, al := range p.Alerts {
				if al.Labels["alertname"] == "Usage" && al.Labels["severity"] == "critical" && al.Status == "firing" {
					return true
				}
			}
		}
		return false
	})

	// Between the thresholds: condition false, resolve false: stays firing.
	e.src.Set("test_value", inst, 0.85)
	e.waitEvals("Usage", 4)
	if a, ok := e.alert("Usage"); !ok || a.State != "firing" || a.Value != "8.5e-01" {
		t.Fatalf("inside the hysteresis band: %+v %v", a, ok)
	}
	e.src.Set("test_value", inst, 0.7)
	e.waitNotified("Usage", "resolved", 1)
}

func TestRestartMidPendingKeepsActiveAt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Slow
        expr: test_value > 0.5
        for: 10m
`)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	before := e.waitAlert("Slow", "pending")
	e.restart()
	e.waitEvals("Slow", 2)
	after, ok := e.alert("Slow")
	if !ok || after.State != "pending" {
		t.Fatalf("after restart: %+v %v", after, ok)
	}
	if !after.ActiveAt.Equal(*before.ActiveAt) {
		t.Fatalf("activeAt %v before restart, %v after", before.ActiveAt, after.ActiveAt)
	}
}

func TestRestartMidFiringDoesNotPageAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Burning
        expr: test_value > 0.5
        keep_firing_for: 1m
      - alert: Carried
        expr: test_carried > 0.5
        keep_firing_for: 10m
`)
	e.src.Set("test_value", inst, 1)
	e.src.Set("test_carried", inst, 1)
	e.prom.WaitForSeries(t, "test_carried", 30*time.Second)
	e.start()
	e.waitNotified("Burning", "firing", 1)
	e.waitNotified("Carried", "firing", 1)
	// Carried goes inactive and is inside keep_firing_for across the restart.
	e.src.Set("test_carried", inst, 0)
	waitUntil(t, 30*time.Second, "Carried kept firing", func() bool {
		a, ok := e.alert("Carried")
		return ok && a.KeepFiringSince != nil
	})
	c1, _ := e.alert("Carried")

	e.restart()
	e.waitEvals("Burning", 3)
	if a, ok := e.alert("Burning"); !ok || a.State != "firing" {
		t.Fatalf("Burning after restart: %+v %v", a, ok)
	}
	c2, ok := e.alert("Carried")
	if !ok || c2.State != "firing" || c2.KeepFiringSince == nil || !c2.KeepFiringSince.Equal(*c1.KeepFiringSince) {
		t.Fatalf("Carried after restart: %+v, before: %+v", c2, c1)
	}
	for _, name := range []string{"Burning", "Carried"} {
		if n := e.notified(name, "firing"); n != 1 {
			t.Fatalf("%s: %d firing notifications, want 1 (restart re-paged)", name, n)
		}
		if n := e.notified(name, "resolved"); n != 0 {
			t.Fatalf("%s: %d resolved notifications across a restart", name, n)
		}
	}
}

func TestDatasourceOutageFreezesState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Up
        expr: test_value > 0.5
`)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitNotified("Up", "firing", 1)

	e.prom.Stop()
	waitUntil(t, 30*time.Second, "rule health err", func() bool {
		r, ok := e.rule("Up")
		return ok && r.Health == "err" && r.LastError != ""
	})
	e.waitNotified("AlerterDatasourceDown", "firing", 1)
	if a, ok := e.alert("Up"); !ok || a.State != "firing" {
		t.Fatalf("Up during the outage: %+v %v", a, ok)
	}
	if v := e.metric("alerter_datasource_up"); v != "0" {
		t.Fatalf("alerter_datasource_up = %q during the outage", v)
	}

	e.prom.Restart()
	waitUntil(t, 60*time.Second, "rule health ok", func() bool {
		r, ok := e.rule("Up")
		return ok && r.Health == "ok"
	})
	e.waitNotified("AlerterDatasourceDown", "resolved", 1)
	e.waitEvals("Up", 3)
	if n := e.notified("Up", "resolved"); n != 0 {
		t.Fatalf("the outage resolved Up %d times", n)
	}
	if n := e.notified("Up", "firing"); n != 1 {
		t.Fatalf("recovery re-paged Up: %d firing notifications", n)
	}
}

func TestBrokenReloadKeepsOldRules(t *testing.T) {
	t.Parallel()
	good := `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Old
        expr: test_value > 0.5
`
	e := newEnv(t, good)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitAlert("Old", "firing")

	e.writeRules(`groups:
  - name: g
    interval: 1s
    rules:
      - alert: Broken
        expr: test_value >
        condition: value +
`)
	code, body := e.post("/-/reload")
	if code != http.StatusInternalServerError || !strings.Contains(body, "rules.yml:") {
		t.Fatalf("broken reload: %d %q", code, body)
	}
	if v := e.metric("alerter_config_last_reload_successful"); v != "0" {
		t.Fatalf("alerter_config_last_reload_successful = %q after a broken reload", v)
	}
	e.waitEvals("Old", 2)
	if a, ok := e.alert("Old"); !ok || a.State != "firing" {
		t.Fatalf("old rule not running after a broken reload: %+v %v", a, ok)
	}

	// A good change is picked up by the file watcher; Old keeps its state.
	old, _ := e.alert("Old")
	e.writeRules(good + `      - alert: New
        expr: test_value > 0.5
`)
	e.waitAlert("New", "firing")
	if v := e.metric("alerter_config_last_reload_successful"); v != "1" {
		t.Fatalf("alerter_config_last_reload_successful = %q after a good reload", v)
	}
	if a, _ := e.alert("Old"); !a.ActiveAt.Equal(*old.ActiveAt) {
		t.Fatalf("reload reset Old's activeAt: %v -> %v", old.ActiveAt, a.ActiveAt)
	}
	if n := e.notified("Old", "firing"); n != 1 {
		t.Fatalf("reload re-paged Old: %d", n)
	}
}

// TestCrashKeepsPendingWithinOutageTolerance: quiet evaluations write no
// group mark (it is stored at most every outage_tolerance/10 while nothing
// else changes), yet a crash and a prompt restart keep a pending alert's
// activeAt, and an outage longer than the tolerance still starts it over.
func TestCrashKeepsPendingWithinOutageTolerance(t *testing.T) {
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Slow
        expr: test_value > 0.5
        for: 10m
`)
	cfg, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "evaluation_interval: 1s", "evaluation_interval: 1s\n  outage_tolerance: 20s", 1))
	if err := os.WriteFile(e.cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	before := e.waitAlert("Slow", "pending")
	e.waitEvals("Slow", 6) // quiet evaluations: the mark is stored every 2s at most
	if err := e.proc.Kill(); err != nil {
		t.Logf("kill: %v", err)
	}
	e.start()
	e.waitEvals("Slow", 2)
	after, ok := e.alert("Slow")
	if !ok || after.State != "pending" || !after.ActiveAt.Equal(*before.ActiveAt) {
		t.Fatalf("after a crash and a prompt restart: %+v (activeAt before: %v)", after, before.ActiveAt)
	}

	// Down for longer than the tolerance: the pending alert starts over.
	if err := e.proc.Kill(); err != nil {
		t.Logf("kill: %v", err)
	}
	time.Sleep(25 * time.Second)
	e.start()
	e.waitEvals("Slow", 2)
	again, ok := e.alert("Slow")
	if !ok || again.State != "pending" || !again.ActiveAt.After(*before.ActiveAt) {
		t.Fatalf("after an outage longer than outage_tolerance: %+v, want a new activeAt after %v", again, before.ActiveAt)
	}
}
