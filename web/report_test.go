package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/quality"
)

func TestReportEndpoint(t *testing.T) {
	var got ReportQuery
	fail := false
	api := New(Options{Rules: fakeRules{}, Report: func(_ context.Context, q ReportQuery) (*quality.Report, error) {
		got = q
		if fail {
			return nil, errors.New("database is locked: secret details")
		}
		return quality.NewReport(nil, nil, nil, quality.ReportOptions{Since: q.Since, Until: q.Until}), nil
	}})
	code, body := get(t, api, "/api/v1/report")
	if code != http.StatusOK || body["status"] != "success" {
		t.Fatalf("%d %v", code, body)
	}
	data := body["data"].(map[string]any)
	if rules, ok := data["rules"].([]any); !ok || len(rules) != 0 {
		t.Errorf("rules = %v, want []", data["rules"])
	}
	if d := got.Until.Sub(got.Since); d != DefaultReportPeriod || got.Top != 0 || got.FlapEvaluations != 0 || got.QuietAfter != quality.DefaultQuietAfter {
		t.Errorf("defaults: %+v", got)
	}

	code, _ = get(t, api, "/api/v1/report?since=2d&top=5&flap_evaluations=2&quiet_after=10d")
	if code != http.StatusOK || got.Until.Sub(got.Since) != 48*time.Hour || got.Top != 5 || got.FlapEvaluations != 2 || got.QuietAfter != 240*time.Hour {
		t.Errorf("%d %+v", code, got)
	}
	code, _ = get(t, api, "/api/v1/report?since=2026-01-02T03:04:05Z")
	if code != http.StatusOK || !got.Since.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("RFC 3339 since: %d %v", code, got.Since)
	}
	code, _ = get(t, api, "/api/v1/report?since=1767225600")
	if code != http.StatusOK || !got.Since.Equal(time.Unix(1767225600, 0)) {
		t.Errorf("Unix since: %d %v", code, got.Since)
	}

	for _, q := range []string{"since=soon", "since=-1d", "since=0s", "since=2999-01-01T00:00:00Z", "top=-1", "top=x",
		"flap_evaluations=0", "top=1000001", "quiet_after=0s", "quiet_after=never"} {
		code, body := get(t, api, "/api/v1/report?"+q)
		if code != http.StatusBadRequest || body["errorType"] != "bad_data" {
			t.Errorf("%s: %d %v", q, code, body)
		}
	}
	fail = true
	code, body = get(t, api, "/api/v1/report")
	if code != http.StatusInternalServerError || strings.Contains(body["error"].(string), "secret") {
		t.Errorf("store error: %d %v", code, body)
	}
}

func TestReportEndpointOff(t *testing.T) {
	code, _ := get(t, New(Options{Rules: fakeRules{}}), "/api/v1/report")
	if code != http.StatusNotFound && code != http.StatusMethodNotAllowed {
		t.Errorf("without a reporter: %d", code)
	}
}

func TestFlappingAlertFields(t *testing.T) {
	a := &alert.Alert{State: alert.StateFiring, Flap: &alert.Flap{Since: ts}}
	out := toAPIAlert(a)
	if !out.Flapping || out.FlappingSince == nil || !out.FlappingSince.Equal(ts) {
		t.Errorf("flapping alert: %+v", out)
	}
	if out := toAPIAlert(&alert.Alert{State: alert.StateFiring, Flap: &alert.Flap{Incident: ts}}); out.Flapping || out.FlappingSince != nil {
		t.Errorf("an alert whose flap ended: %+v", out)
	}
}

// FuzzParseSince: since never panics, and what it accepts is in the past.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"7d", "1h30m", "2026-01-02T03:04:05Z", "1767225600", "1e10", "-5", "NaN", "Inf", "0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		got, err := parseSince(s, now)
		if err == nil && !got.Before(now) {
			t.Fatalf("parseSince(%q) = %v, not in the past", s, got)
		}
	})
}
