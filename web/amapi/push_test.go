package amapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/ingest"
	"github.com/alerter/alerter/state/sqlite"
)

// pushFixture serves the API with a real ingester over a real state store.
func pushFixture(t *testing.T) (*fixture, *ingest.Ingester, *sqlite.Store) {
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	in, err := ingest.New(ingest.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Restore(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, newFake())
	api, err := New(Options{
		Silences: f.fake,
		Alerts:   in.Alerts,
		Push:     in,
		Now:      func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.api = api
	return f, in, st
}

func TestPostAlerts(t *testing.T) {
	f, in, st := pushFixture(t)
	// What Prometheus sends (api_version: v2).
	body := `[{"labels":{"alertname":"InstanceDown","instance":"a","job":"node"},
	  "annotations":{"summary":"a is down"},
	  "startsAt":"2026-03-01T09:58:00.000Z","endsAt":"2026-03-01T10:04:00.000Z",
	  "generatorURL":"http://prometheus:9090/graph?g0.expr=up+%3D%3D+0"}]`
	code, resp, _ := f.do(t, http.MethodPost, "/api/v2/alerts", body)
	if code != http.StatusOK || resp != "" {
		t.Fatalf("POST = %d %q, want 200 with no body", code, resp)
	}
	code, resp, _ = f.do(t, http.MethodGet, "/api/v2/alerts", "")
	if code != http.StatusOK {
		t.Fatalf("GET = %d %s", code, resp)
	}
	got := decode[[]map[string]any](t, resp)
	if len(got) != 1 || got[0]["startsAt"] != "2026-03-01T09:58:00.000Z" || got[0]["endsAt"] != "2026-03-01T10:04:00.000Z" ||
		got[0]["updatedAt"] != "2026-03-01T10:00:00.000Z" || got[0]["generatorURL"] != "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0" {
		t.Fatalf("listed: %s", resp)
	}
	evs, err := st.PendingEvents(context.Background(), 10)
	if err != nil || len(evs) != 1 || evs[0].Kind != alert.EventFiring || !evs[0].Alert.Key.Pushed() {
		t.Fatalf("outbox: %+v, %v", evs, err)
	}
	if n := len(in.Alerts()); n != 1 {
		t.Fatalf("%d alerts held", n)
	}
}

func TestPostAlertsRefusals(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		code       int
		want       string
		accepted   int
	}{
		{"not JSON", `nope`, 400, "must be a JSON array of alerts", 0},
		{"an object", `{"labels":{"a":"b"}}`, 400, "must be a JSON array of alerts", 0},
		{"bad time", `[{"labels":{"a":"b"}},{"labels":{"a":"c"},"startsAt":"soon"}]`, 400, `alerts[1].startsAt: \"soon\" is not an RFC 3339 date-time`, 0},
		{"one invalid of two", `[{"labels":{"a":"b"}},{"labels":{}}]`, 400, "1 of 2 alerts are invalid and were not accepted (the other 1 were): alerts[1].labels: at least one label pair required", 1},
		{"ends before it starts", `[{"labels":{"a":"b"},"startsAt":"2026-03-01T10:00:00Z","endsAt":"2026-03-01T09:00:00Z"}]`, 400, "alerts[0].endsAt: start time must be before end time", 0},
		{"too large", `[` + strings.Repeat(`{"labels":{"a":"b"}},`, 1<<20) + `{"labels":{"a":"b"}}]`, 413, "request body is larger than", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, in, _ := pushFixture(t)
			code, resp, _ := f.do(t, http.MethodPost, "/api/v2/alerts", tt.body)
			if code != tt.code || !strings.Contains(resp, tt.want) {
				t.Fatalf("POST = %d %s, want %d containing %q", code, resp, tt.code, tt.want)
			}
			if !strings.HasPrefix(resp, `"`) {
				t.Errorf("body %s is not a JSON string, Alertmanager's error payload", resp)
			}
			if n := len(in.Alerts()); n != tt.accepted {
				t.Errorf("%d alerts accepted, want %d", n, tt.accepted)
			}
		})
	}
}

func TestPostAlertsUnavailable(t *testing.T) {
	f, _, st := pushFixture(t)
	_ = st.Close() // the store fails: 500, nothing said about the store's inside
	code, resp, _ := f.do(t, http.MethodPost, "/api/v2/alerts", `[{"labels":{"a":"b"}}]`)
	if code != http.StatusInternalServerError || resp != "\"storing the alerts failed\"\n" {
		t.Fatalf("POST with a failing store = %d %q", code, resp)
	}
}
