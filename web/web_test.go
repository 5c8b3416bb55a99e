package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/rules"
)

type fakeRules []evaluator.GroupStatus

func (f fakeRules) Groups() []evaluator.GroupStatus { return f }

// Evaluations answers for rule r1 only: three evaluations, newest first.
func (f fakeRules) Evaluations(id string, limit int) ([]evaluator.Evaluation, bool) {
	if id != "r1" {
		return nil, false
	}
	all := []evaluator.Evaluation{
		{At: ts, Duration: 3 * time.Millisecond, Samples: 2, Active: 2},
		{At: ts.Add(-30 * time.Second), Duration: time.Second, Samples: -1, Active: -1, Error: "connection refused"},
		{At: ts.Add(-time.Minute), Samples: 0, Active: 0},
	}
	if limit > 0 && limit < len(all) {
		all = all[:limit]
	}
	return all, true
}

var ts = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func fixture(t *testing.T) fakeRules {
	t.Helper()
	cond, err := rules.CompileCondition("value > 0.9")
	if err != nil {
		t.Fatal(err)
	}
	alerting := &rules.Rule{
		ID: "r1", Alert: "High", Query: "x", Condition: cond, For: 5 * time.Minute, KeepFiringFor: time.Minute,
		Labels: map[string]string{"severity": "page"}, Annotations: map[string]string{"summary": "s"},
	}
	rec := &rules.Rule{ID: "r2", Record: "job:x:sum", Query: "sum(x)"}
	firing := &alert.Alert{
		Labels: model.LabelSet{"alertname": "High", "instance": "a"}, Annotations: model.LabelSet{"summary": "s"},
		State: alert.StateFiring, Value: 0.95, ActiveAt: ts, KeepFiringSince: ts.Add(time.Minute),
	}
	pending := &alert.Alert{Labels: model.LabelSet{"alertname": "High", "instance": "b"}, State: alert.StatePending, Value: 1, ActiveAt: ts}
	return fakeRules{
		{Name: "g1", File: "a.yml", Interval: 30 * time.Second, LastEval: ts, EvalDuration: 2 * time.Millisecond,
			Rules: []evaluator.RuleStatus{
				{Rule: alerting, Health: evaluator.HealthOK, LastEval: ts, EvalDuration: time.Millisecond, Alerts: []*alert.Alert{firing, pending}, State: alert.StateFiring},
				{Rule: rec, Health: evaluator.HealthUnknown},
			}},
		{Name: "g2", File: "b.yml", Interval: time.Minute, Rules: []evaluator.RuleStatus{
			{Rule: &rules.Rule{ID: "r3", Alert: "Other", Query: "y"}, Health: evaluator.HealthErr, LastError: "datasource: network: refused"},
		}},
	}
}

func get(t *testing.T, h http.Handler, target string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	var body map[string]any
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v: %s", target, err, rec.Body)
		}
	}
	return rec.Code, body
}

func TestRulesPrometheusFormat(t *testing.T) {
	api := New(Options{Rules: fixture(t)})
	code, body := get(t, api, "/api/v1/rules")
	if code != 200 || body["status"] != "success" {
		t.Fatalf("%d %v", code, body)
	}
	groups := body["data"].(map[string]any)["groups"].([]any)
	g1 := groups[0].(map[string]any)
	for k, want := range map[string]any{"name": "g1", "file": "a.yml", "interval": 30.0, "limit": 0.0, "evaluationTime": 0.002, "lastEvaluation": "2026-03-01T10:00:00Z"} {
		if g1[k] != want {
			t.Errorf("group %s = %v, want %v", k, g1[k], want)
		}
	}
	r := g1["rules"].([]any)[0].(map[string]any)
	for k, want := range map[string]any{"name": "High", "query": "x", "duration": 300.0, "keepFiringFor": 60.0, "health": "ok", "type": "alerting", "state": "firing", "condition": "value > 0.9"} {
		if r[k] != want {
			t.Errorf("rule %s = %v, want %v", k, r[k], want)
		}
	}
	al := r["alerts"].([]any)[0].(map[string]any)
	if al["state"] != "firing" || al["value"] != "9.5e-01" || al["activeAt"] != "2026-03-01T10:00:00Z" || al["keepFiringSince"] != "2026-03-01T10:01:00Z" {
		t.Errorf("alert %v", al)
	}
	recr := g1["rules"].([]any)[1].(map[string]any)
	if recr["type"] != "recording" || recr["health"] != "unknown" {
		t.Errorf("recording rule %v", recr)
	}
	r3 := groups[1].(map[string]any)["rules"].([]any)[0].(map[string]any)
	if r3["health"] != "err" || r3["lastError"] != "datasource: network: refused" || r3["state"] != "inactive" {
		t.Errorf("unhealthy rule %v", r3)
	}
}

func TestRulesFilters(t *testing.T) {
	api := New(Options{Rules: fixture(t)})
	count := func(target string) (int, int) {
		_, body := get(t, api, target)
		groups := body["data"].(map[string]any)["groups"].([]any)
		n := 0
		for _, g := range groups {
			n += len(g.(map[string]any)["rules"].([]any))
		}
		return len(groups), n
	}
	tests := []struct {
		q             string
		groups, rules int
	}{
		{"", 2, 3},
		{"?type=alert", 2, 2},
		{"?type=record", 1, 1},
		{"?rule_name[]=Other", 1, 1},
		{"?rule_group[]=g1", 1, 2},
		{"?file[]=b.yml", 1, 1},
	}
	for _, tc := range tests {
		if g, r := count("/api/v1/rules" + tc.q); g != tc.groups || r != tc.rules {
			t.Errorf("%q: %d groups %d rules, want %d %d", tc.q, g, r, tc.groups, tc.rules)
		}
	}
	_, body := get(t, api, "/api/v1/rules?exclude_alerts=true")
	r := body["data"].(map[string]any)["groups"].([]any)[0].(map[string]any)["rules"].([]any)[0].(map[string]any)
	if _, ok := r["alerts"]; ok {
		t.Error("exclude_alerts kept alerts")
	}
	if code, body := get(t, api, "/api/v1/rules?type=bogus"); code != 400 || body["errorType"] != "bad_data" {
		t.Errorf("bad type: %d %v", code, body)
	}
}

func TestAlerts(t *testing.T) {
	api := New(Options{Rules: fixture(t)})
	_, body := get(t, api, "/api/v1/alerts")
	alerts := body["data"].(map[string]any)["alerts"].([]any)
	if len(alerts) != 2 {
		t.Fatalf("%d alerts, want 2 (pending included)", len(alerts))
	}
	if alerts[1].(map[string]any)["state"] != "pending" {
		t.Errorf("second alert %v", alerts[1])
	}
}

func TestHealthReadyReload(t *testing.T) {
	ready := false
	reloadErr := errors.New("rules.yml:3:5: expr: parse error")
	api := New(Options{
		Rules:  fakeRules{},
		Ready:  func() bool { return ready },
		Reload: func(context.Context) error { return reloadErr },
		LastReload: func() ReloadStatus {
			return ReloadStatus{Success: false, At: ts, Error: "rules.yml:3:5: expr: parse error"}
		},
	})
	do := func(method, target string) (int, string) {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}
	if c, _ := do("GET", "/-/healthy"); c != 200 {
		t.Errorf("healthy %d", c)
	}
	if c, _ := do("GET", "/-/ready"); c != 503 {
		t.Errorf("ready before restore %d", c)
	}
	ready = true
	if c, _ := do("GET", "/-/ready"); c != 200 {
		t.Errorf("ready %d", c)
	}
	if c, b := do("POST", "/-/reload"); c != 500 || !strings.Contains(b, "rules.yml:3:5") {
		t.Errorf("broken reload %d %q", c, b)
	}
	if c, _ := do("GET", "/-/reload"); c != http.StatusMethodNotAllowed {
		t.Errorf("GET reload %d", c)
	}
	reloadErr = nil
	if c, _ := do("POST", "/-/reload"); c != 200 {
		t.Errorf("reload %d", c)
	}
	_, body := get(t, api, "/api/v1/status/runtimeinfo")
	d := body["data"].(map[string]any)
	if d["reloadConfigSuccess"] != false || !strings.Contains(d["lastConfigError"].(string), "parse error") {
		t.Errorf("runtimeinfo %v", d)
	}
}

func TestRuleIDsAndUpdates(t *testing.T) {
	api := New(Options{Rules: fixture(t)})
	code, body := get(t, api, "/api/v1/rules?rule_id[]=r1&updates=2")
	if code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	groups := body["data"].(map[string]any)["groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("rule_id[] kept %d groups", len(groups))
	}
	rs := groups[0].(map[string]any)["rules"].([]any)
	if len(rs) != 1 {
		t.Fatalf("rule_id[] kept %d rules", len(rs))
	}
	r := rs[0].(map[string]any)
	if r["id"] != "r1" {
		t.Errorf("id %v", r["id"])
	}
	ups := r["updates"].([]any)
	if len(ups) != 2 {
		t.Fatalf("updates %v", ups)
	}
	first, second := ups[0].(map[string]any), ups[1].(map[string]any)
	if first["time"] != "2026-03-01T10:00:00Z" || first["duration"] != 0.003 || first["samples"] != 2.0 || first["active"] != 2.0 || first["error"] != nil {
		t.Errorf("first update %v", first)
	}
	if _, ok := second["samples"]; ok || second["error"] != "connection refused" {
		t.Errorf("a failed query has no samples and an error: %v", second)
	}
	// Without updates=, no history is sent.
	_, body = get(t, api, "/api/v1/rules")
	for _, g := range body["data"].(map[string]any)["groups"].([]any) {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			if _, ok := r.(map[string]any)["updates"]; ok {
				t.Errorf("updates sent unasked: %v", r)
			}
		}
	}
	for _, bad := range []string{"updates=-1", "updates=x"} {
		if code, body := get(t, api, "/api/v1/rules?"+bad); code != 400 || body["errorType"] != "bad_data" {
			t.Errorf("%s: %d %v", bad, code, body)
		}
	}
	if _, body := get(t, api, "/api/v1/rules?rule_id[]=nope"); len(body["data"].(map[string]any)["groups"].([]any)) != 0 {
		t.Errorf("unknown rule_id kept groups: %v", body)
	}
}

func TestRuntimeInfoDatasourceAndStorage(t *testing.T) {
	failing := time.Time{}
	api := New(Options{Rules: fakeRules{}, Storage: "sqlite:/data",
		Datasource: func() DatasourceStatus { return DatasourceStatus{URL: "http://prom:9090", FailingSince: failing} }})
	_, body := get(t, api, "/api/v1/status/runtimeinfo")
	d := body["data"].(map[string]any)
	ds := d["datasource"].(map[string]any)
	if d["storage"] != "sqlite:/data" || ds["url"] != "http://prom:9090" || ds["up"] != true || ds["failingSince"] != nil {
		t.Errorf("runtimeinfo %v", d)
	}
	failing = ts
	_, body = get(t, api, "/api/v1/status/runtimeinfo")
	ds = body["data"].(map[string]any)["datasource"].(map[string]any)
	if ds["up"] != false || ds["failingSince"] != "2026-03-01T10:00:00Z" {
		t.Errorf("failing datasource %v", ds)
	}
}

func TestRuntimeInfoAdditions(t *testing.T) {
	api := New(Options{Rules: fakeRules{}, RuntimeInfo: func() map[string]any {
		return map[string]any{"storage": "postgres", "leader": true, "leaderEpoch": 7}
	}})
	_, body := get(t, api, "/api/v1/status/runtimeinfo")
	d := body["data"].(map[string]any)
	if d["storage"] != "postgres" || d["leader"] != true || d["leaderEpoch"] != float64(7) || d["startTime"] == nil {
		t.Errorf("runtimeinfo %v", d)
	}
}
