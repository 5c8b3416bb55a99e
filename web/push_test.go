package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/ingest"
)

// fakeReceiver records pushes; err is returned by the next Push.
type fakeReceiver struct {
	got [][]ingest.Alert
	err error
}

func (f *fakeReceiver) Push(_ context.Context, as []ingest.Alert, _ time.Time) error {
	f.got = append(f.got, as)
	return f.err
}

func post(h http.Handler, target, body string) (int, string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// Alertmanager's API v1 shape, answered in the Prometheus envelope.
func TestPostAlertsV1(t *testing.T) {
	recv := &fakeReceiver{}
	api := New(Options{Rules: fixture(t), Push: recv})
	code, body := post(api, "/api/v1/alerts", `[{"labels":{"alertname":"X"},"startsAt":"2026-03-01T10:00:00Z"}]`)
	if code != http.StatusOK || strings.TrimSpace(body) != `{"status":"success"}` {
		t.Fatalf("POST = %d %s", code, body)
	}
	if len(recv.got) != 1 || recv.got[0][0].Labels["alertname"] != "X" || !recv.got[0][0].StartsAt.Equal(ts) {
		t.Fatalf("pushed: %+v", recv.got)
	}
	code, body = post(api, "/api/v1/alerts", `{}`)
	if code != http.StatusBadRequest || !strings.Contains(body, `"errorType":"bad_data"`) || !strings.Contains(body, "JSON array") {
		t.Fatalf("POST {} = %d %s", code, body)
	}
	recv.err = &ingest.ValidationError{Total: 1, Errors: []string{"alerts[0].labels: at least one label pair required"}}
	code, body = post(api, "/api/v1/alerts", `[{"labels":{}}]`)
	if code != http.StatusBadRequest || !strings.Contains(body, "alerts[0].labels") {
		t.Fatalf("POST invalid = %d %s", code, body)
	}
	recv.err = ingest.ErrNotReady
	if code, _ = post(api, "/api/v1/alerts", `[]`); code != http.StatusServiceUnavailable {
		t.Fatalf("POST before restore = %d", code)
	}
}

func TestPostAlertsV1WithoutReceiver(t *testing.T) {
	api := New(Options{Rules: fixture(t)})
	if code, _ := post(api, "/api/v1/alerts", `[]`); code != http.StatusMethodNotAllowed {
		t.Fatalf("POST without a receiver = %d, want 405", code)
	}
}

func TestAlertsListPushed(t *testing.T) {
	pushed := &alert.Alert{Key: alert.Key{RuleID: alert.PushedRuleID}, Labels: model.LabelSet{"alertname": "FromProm"},
		State: alert.StateFiring, ActiveAt: ts, FiredAt: ts}
	api := New(Options{Rules: fixture(t), PushedAlerts: func() []*alert.Alert { return []*alert.Alert{pushed} }})
	_, body := get(t, api, "/api/v1/alerts")
	alerts := body["data"].(map[string]any)["alerts"].([]any)
	if len(alerts) != 3 || alerts[2].(map[string]any)["labels"].(map[string]any)["alertname"] != "FromProm" {
		t.Fatalf("alerts: %v", alerts)
	}
}
