// Package integration runs the real alerter binary against a real
// Prometheus that scrapes a metric source the test controls.
package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/promtest"
	"github.com/alerter/alerter/internal/webhooksink"
)

// env is one scenario: Prometheus scraping src every second, a webhook
// sink, and alerter evaluating every second.
type env struct {
	t       *testing.T
	dir     string
	src     *promtest.Source
	prom    *promtest.Prometheus
	sink    *webhooksink.Sink
	sinkSrv *httptest.Server
	port    int
	cfgPath string
	proc    *promtest.Proc
	bin     string
}

const testConfig = `global:
  evaluation_interval: 1s
datasource:
  url: %s
  timeout: 5s
  down_alert_after: 3s
rule_files: [rules.yml]
storage:
  path: %s
web:
  listen_address: 127.0.0.1:%d
  rule_file_check_interval: %s
%s`

// defaultNotify routes everything to one sink, grouped by alertname, with
// timers short enough for 1s evaluations.
const defaultNotify = `route:
  receiver: sink
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
    webhook_configs:
      - url: {{sink}}
`

func newEnv(t *testing.T, rules string) *env {
	t.Helper()
	return newEnvWatch(t, rules, "300ms")
}

// newEnvWatch is newEnv with the rule file check interval ("0s": off).
func newEnvWatch(t *testing.T, rules, watch string) *env {
	t.Helper()
	return newEnvWith(t, rules, watch, defaultNotify)
}

// newEnvWith is newEnv with the notification part of the configuration
// given; "{{sink}}" in it stands for the sink's URL.
func newEnvWith(t *testing.T, rules, watch, notify string) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.bin = promtest.BuildAlerter(t)
	e.src = promtest.NewSource(t)
	e.prom = promtest.Start(t, promtest.Options{Targets: []string{e.src.Addr()}})
	e.sink = webhooksink.New(webhooksink.Options{})
	e.sinkSrv = httptest.NewServer(e.sink)
	t.Cleanup(e.sinkSrv.Close)
	e.port = promtest.FreePort(t)
	e.cfgPath = filepath.Join(e.dir, "alerter.yml")
	notify = strings.ReplaceAll(notify, "{{sink}}", e.sinkSrv.URL)
	cfg := fmt.Sprintf(testConfig, e.prom.URL(), filepath.Join(e.dir, "data"), e.port, watch, notify)
	if err := os.WriteFile(e.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	e.writeRules(rules)
	return e
}

func (e *env) writeRules(rules string) {
	e.t.Helper()
	// Write then rename, so the file watcher never sees half a file.
	tmp := filepath.Join(e.dir, "rules.yml.tmp")
	if err := os.WriteFile(tmp, []byte(rules), 0o644); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(e.dir, "rules.yml")); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) apiURL(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", e.port, path) }

// start runs alerter and waits until it is ready.
func (e *env) start() {
	e.t.Helper()
	e.proc = promtest.StartBinary(e.t, e.bin, []string{"run", "--config", e.cfgPath, "--log.level", "debug"}, nil)
	e.proc.WaitHTTP(e.t, e.apiURL("/-/ready"), 30*time.Second)
}

// restart stops alerter gracefully and starts it again on the same storage.
func (e *env) restart() {
	e.t.Helper()
	if err := e.proc.Stop(); err != nil {
		e.t.Logf("stop: %v", err)
	}
	e.start()
}

type apiAlert struct {
	Labels          map[string]string `json:"labels"`
	Annotations     map[string]string `json:"annotations"`
	State           string            `json:"state"`
	ActiveAt        *time.Time        `json:"activeAt"`
	KeepFiringSince *time.Time        `json:"keepFiringSince"`
	Value           string            `json:"value"`
}

type apiRule struct {
	Name           string     `json:"name"`
	State          string     `json:"state"`
	Health         string     `json:"health"`
	LastError      string     `json:"lastError"`
	Type           string     `json:"type"`
	LastEvaluation time.Time  `json:"lastEvaluation"`
	Alerts         []apiAlert `json:"alerts"`
}

type apiGroup struct {
	Name  string    `json:"name"`
	File  string    `json:"file"`
	Rules []apiRule `json:"rules"`
}

func (e *env) getJSON(path string, out any) error {
	resp, err := http.Get(e.apiURL(path))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return err
	}
	if env.Status != "success" {
		return fmt.Errorf("GET %s: status %q", path, env.Status)
	}
	return json.Unmarshal(env.Data, out)
}

func (e *env) alerts() []apiAlert {
	var d struct {
		Alerts []apiAlert `json:"alerts"`
	}
	if err := e.getJSON("/api/v1/alerts", &d); err != nil {
		e.t.Logf("alerts: %v", err)
		return nil
	}
	return d.Alerts
}

func (e *env) rule(name string) (apiRule, bool) {
	var d struct {
		Groups []apiGroup `json:"groups"`
	}
	if err := e.getJSON("/api/v1/rules", &d); err != nil {
		e.t.Logf("rules: %v", err)
		return apiRule{}, false
	}
	for _, g := range d.Groups {
		for _, r := range g.Rules {
			if r.Name == name {
				return r, true
			}
		}
	}
	return apiRule{}, false
}

func (e *env) alert(name string) (apiAlert, bool) {
	for _, a := range e.alerts() {
		if a.Labels["alertname"] == name {
			return a, true
		}
	}
	return apiAlert{}, false
}

// waitAlert waits until alert name is in state (readiness polling, not a
// timing assertion: the timeout is generous).
func (e *env) waitAlert(name, state string) apiAlert {
	e.t.Helper()
	var got apiAlert
	waitUntil(e.t, 60*time.Second, fmt.Sprintf("alert %s %s", name, state), func() bool {
		a, ok := e.alert(name)
		got = a
		return ok && a.State == state
	})
	return got
}

// waitEvals waits until rule name has been evaluated n more times (seen as
// n distinct lastEvaluation values), so a test can say "nothing happened
// during these evaluations".
func (e *env) waitEvals(name string, n int) apiRule {
	e.t.Helper()
	var last time.Time
	seen := 0
	var r apiRule
	waitUntil(e.t, 60*time.Second, fmt.Sprintf("%d evaluations of %s", n, name), func() bool {
		var ok bool
		r, ok = e.rule(name)
		if ok && !r.LastEvaluation.IsZero() && !r.LastEvaluation.Equal(last) {
			if !last.IsZero() {
				seen++
			}
			last = r.LastEvaluation
		}
		return seen >= n
	})
	return r
}

// notified counts alerts named name with status in what the sink received.
func (e *env) notified(name, status string) int {
	n := 0
	for _, p := range e.sink.Payloads() {
		for _, a := range p.Alerts {
			if a.Labels["alertname"] == name && a.Status == status {
				n++
			}
		}
	}
	return n
}

func (e *env) waitNotified(name, status string, n int) {
	e.t.Helper()
	waitUntil(e.t, 60*time.Second, fmt.Sprintf("%d %s notification(s) of %s", n, status, name), func() bool {
		return e.notified(name, status) >= n
	})
}

func (e *env) metric(name string) string {
	resp, err := http.Get(e.apiURL("/metrics"))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return strings.TrimPrefix(line, name+" ")
		}
	}
	return ""
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
}

func (e *env) post(path string) (int, string) {
	resp, err := http.Post(e.apiURL(path), "", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricValue sums the samples of a metric whose label string contains
// every given fragment (e.g. `receiver="sink"`).
func (e *env) metricValue(name string, fragments ...string) float64 {
	resp, err := http.Get(e.apiURL("/metrics"))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	sum := 0.0
lines:
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		for _, f := range fragments {
			if !strings.Contains(line, f) {
				continue lines
			}
		}
		v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}
