package ackapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/web/internal/envelope"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	api    *API
	acks   *ack.Acks
	mu     sync.Mutex
	alerts []*alert.Alert
	now    time.Time
	change int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, now: t0}
	acks, err := ack.New(context.Background(), ack.Options{OnChange: func() { f.change++ }})
	if err != nil {
		t.Fatal(err)
	}
	f.acks = acks
	f.alerts = []*alert.Alert{
		mk("Down", "a", "critical", alert.StateFiring),
		mk("Down", "b", "critical", alert.StateFiring),
		mk("Slow", "a", "warning", alert.StateFiring),
		mk("Slow", "c", "warning", alert.StatePending),
	}
	api, err := New(Options{Acks: acks, Alerts: f.current, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.api = api
	return f
}

func mk(name, instance, sev string, st alert.State) *alert.Alert {
	ls := model.LabelSet{"alertname": model.LabelValue(name), "instance": model.LabelValue(instance), "severity": model.LabelValue(sev)}
	id := ls.Clone()
	delete(id, "severity")
	a := &alert.Alert{Key: alert.Key{RuleID: name, ID: id.Fingerprint()}, Labels: ls, State: st, ActiveAt: t0.Add(-time.Hour)}
	if st == alert.StateFiring {
		a.FiredAt = t0.Add(-30 * time.Minute)
	}
	return a
}

func (f *fixture) current() []*alert.Alert {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*alert.Alert(nil), f.alerts...)
}

func (f *fixture) do(method, path, body string) (int, envelope.Body, map[string]any) {
	f.t.Helper()
	rec := httptest.NewRecorder()
	f.api.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	var env envelope.Body
	raw := map[string]any{}
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		f.t.Fatalf("%s %s: body %q is not JSON: %v", method, path, rec.Body.String(), err)
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &env)
	return rec.Code, env, raw
}

func TestCreateByFingerprintListGetDelete(t *testing.T) {
	f := newFixture(t)
	fp := f.alerts[0].Fingerprint().String()
	code, env, raw := f.do("POST", "/api/v1/acknowledgements",
		`{"fingerprint":"`+fp+`","createdBy":"alice","comment":"on it","duration":"30m"}`)
	if code != 200 || env.Status != "success" {
		t.Fatalf("POST: %d %+v", code, raw)
	}
	data := raw["data"].(map[string]any)
	id := data["id"].(string)
	if data["createdBy"] != "alice" || data["status"] != "active" || data["expiresAt"] != "2026-11-21T12:30:00Z" {
		t.Fatalf("created %+v", data)
	}
	alerts := data["alerts"].([]any)
	if len(alerts) != 1 || alerts[0].(map[string]any)["fingerprint"] != fp || alerts[0].(map[string]any)["acknowledged"] != true {
		t.Fatalf("alerts %+v", alerts)
	}
	if f.change != 1 {
		t.Fatal("the dispatcher was not told")
	}
	if _, ok := f.acks.Acknowledged(f.alerts[0], t0); !ok {
		t.Fatal("not acknowledged in the store")
	}
	if _, ok := f.acks.Acknowledged(f.alerts[1], t0); ok {
		t.Fatal("another alert acknowledged")
	}

	code, _, raw = f.do("GET", "/api/v1/acknowledgements", "")
	if code != 200 || len(raw["data"].([]any)) != 1 {
		t.Fatalf("list: %d %+v", code, raw)
	}
	code, _, raw = f.do("GET", "/api/v1/acknowledgements/"+id, "")
	if code != 200 || raw["data"].(map[string]any)["id"] != id {
		t.Fatalf("get: %d %+v", code, raw)
	}
	// Expired after 30 minutes.
	f.now = t0.Add(31 * time.Minute)
	if _, _, raw = f.do("GET", "/api/v1/acknowledgements/"+id, ""); raw["data"].(map[string]any)["status"] != "expired" {
		t.Fatalf("after expiry: %+v", raw)
	}
	code, _, _ = f.do("DELETE", "/api/v1/acknowledgements/"+id, "")
	if code != 200 || f.change != 2 {
		t.Fatalf("delete: %d, changes %d", code, f.change)
	}
	if code, _, _ = f.do("GET", "/api/v1/acknowledgements/"+id, ""); code != 404 {
		t.Fatalf("get after delete: %d", code)
	}
	if code, _, _ = f.do("DELETE", "/api/v1/acknowledgements/"+id, ""); code != 404 {
		t.Fatalf("delete twice: %d", code)
	}
}

func TestCreateByMatchersAndFilter(t *testing.T) {
	f := newFixture(t)
	code, _, raw := f.do("POST", "/api/v1/acknowledgements",
		`{"matchers":[{"name":"alertname","value":"Down","isRegex":false,"isEqual":true}],"createdBy":"bob"}`)
	if code != 200 || len(raw["data"].(map[string]any)["alerts"].([]any)) != 2 {
		t.Fatalf("by matchers: %d %+v", code, raw)
	}
	// Pending alerts are not acknowledged: only Slow/a is.
	code, _, raw = f.do("POST", "/api/v1/acknowledgements", `{"filter":["alertname=Slow"],"createdBy":"bob"}`)
	if code != 200 || len(raw["data"].(map[string]any)["alerts"].([]any)) != 1 {
		t.Fatalf("by filter: %d %+v", code, raw)
	}
	if _, ok := f.acks.Acknowledged(f.alerts[3], t0); ok {
		t.Fatal("a pending alert was acknowledged")
	}
}

func TestStatusEndsOnResolveAndSeverityRise(t *testing.T) {
	f := newFixture(t)
	_, _, raw := f.do("POST", "/api/v1/acknowledgements", `{"filter":["instance=a"],"createdBy":"carol"}`)
	id := raw["data"].(map[string]any)["id"].(string)
	f.now = t0.Add(time.Minute)
	f.mu.Lock()
	// Down/a resolves; Slow/a rises in severity.
	f.alerts[0] = f.alerts[0].Clone()
	f.alerts[0].State, f.alerts[0].ResolvedAt = alert.StateInactive, f.now
	f.alerts[2] = f.alerts[2].Clone()
	f.alerts[2].Labels["severity"], f.alerts[2].SeverityRaisedAt = "critical", f.now
	f.mu.Unlock()
	_, _, raw = f.do("GET", "/api/v1/acknowledgements/"+id, "")
	if raw["data"].(map[string]any)["status"] != "ended" {
		t.Fatalf("status %+v", raw["data"])
	}
	for _, a := range f.current()[:3] {
		if _, ok := f.acks.Acknowledged(a, f.now); ok {
			t.Fatalf("%v still acknowledged", a.Labels)
		}
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t)
	fp := f.alerts[0].Fingerprint().String()
	tests := []struct {
		name, body string
		code       int
		want       string
	}{
		{"not JSON", `{`, 400, "not a valid acknowledgement"},
		{"unknown field", `{"fingerprint":"` + fp + `","createdBy":"x","author":"y"}`, 400, `unknown field "author"`},
		{"trailing data", `{"fingerprint":"` + fp + `","createdBy":"x"} {}`, 400, "data after"},
		{"no author", `{"fingerprint":"` + fp + `"}`, 400, "createdBy: who acknowledges is required"},
		{"no selector", `{"createdBy":"x"}`, 400, "exactly one of"},
		{"two selectors", `{"fingerprint":"` + fp + `","filter":["a=b"],"createdBy":"x"}`, 400, "exactly one of"},
		{"bad fingerprint", `{"fingerprint":"zz","createdBy":"x"}`, 400, `fingerprints[0]: not a fingerprint: "zz"`},
		{"bad filter", `{"filter":["a=~\"(\""],"createdBy":"x"}`, 400, "filter[0]"},
		{"bad matcher", `{"matchers":[{"name":"","value":"x"}],"createdBy":"x"}`, 400, "matchers[0]"},
		{"past expiry", `{"fingerprint":"` + fp + `","createdBy":"x","expiresAt":"2026-11-21T11:00:00Z"}`, 400, "expiresAt: must be in the future"},
		{"bad expiry", `{"fingerprint":"` + fp + `","createdBy":"x","expiresAt":"tomorrow"}`, 400, "expiresAt: not an RFC 3339 time"},
		{"bad duration", `{"fingerprint":"` + fp + `","createdBy":"x","duration":"-5m"}`, 400, `duration: "-5m" is not a positive duration`},
		{"duration past int64", `{"fingerprint":"` + fp + `","createdBy":"x","duration":"300y"}`, 400, "at most 292y"},
		{"expiry after year 9999", `{"fingerprint":"` + fp + `","createdBy":"x","expiresAt":"9999-12-31T23:59:59-05:00"}`, 400, "must not be after 9999-12-31T23:59:59Z"},
		{"wrong type, no Go names", `{"fingerprint":"` + fp + `","createdBy":1}`, 400, "createdBy must be a string, not a JSON number"},
		{"not-equal matches everything", `{"filter":["foo!=\"bar\""],"createdBy":"x"}`, 400, "must not match the empty string"},
		{"regexp matches everything", `{"matchers":[{"name":"x","value":".*","isRegex":true}],"createdBy":"x"}`, 400, "must not match the empty string"},
		{"label name with NUL", `{"matchers":[{"name":"a\u0000","value":"x"}],"createdBy":"x"}`, 400, "control character"},
		{"too large a comment", `{"fingerprint":"` + fp + `","createdBy":"x","comment":"` + strings.Repeat("x", ack.DefaultMaxAckSizeBytes) + `"}`, 400, "over the limit of 4096 bytes"},
		{"both expiries", `{"fingerprint":"` + fp + `","createdBy":"x","duration":"5m","expiresAt":"2026-11-22T00:00:00Z"}`, 400, "set at most one"},
		{"no such alert", `{"fingerprint":"0000000000000001","createdBy":"x"}`, 404, "no firing alert matches"},
		{"matches nothing", `{"filter":["alertname=Nope"],"createdBy":"x"}`, 404, `no firing alert matches {alertname="Nope"}`},
		{"too large", `{"comment":"` + strings.Repeat("x", DefaultMaxBody) + `"}`, 413, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, env, _ := f.do("POST", "/api/v1/acknowledgements", tc.body)
			if code != tc.code || env.Status != "error" || !strings.Contains(env.Error, tc.want) {
				t.Fatalf("got %d %q, want %d %q", code, env.Error, tc.code, tc.want)
			}
		})
	}
	if len(f.acks.List()) != 0 || f.change != 0 {
		t.Fatal("a bad request stored something")
	}
}

// FuzzDecodeRequest: any body either fails with a message or yields a
// request that names who acknowledges and selects by exactly one thing.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"fingerprint":"0123456789abcdef","createdBy":"a"}`,
		`{"fingerprints":["1","2"],"createdBy":"a","duration":"1h"}`,
		`{"matchers":[{"name":"a","value":"b","isRegex":true,"isEqual":false}],"createdBy":"a","comment":"c"}`,
		`{"filter":["a=~\"x|y\"","b!=c"],"createdBy":"a","expiresAt":"2030-01-01T00:00:00Z"}`,
		`{}`, `[]`, `null`, `{"createdBy":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, sel, err := decodeRequest(b, t0)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if strings.TrimSpace(req.By) == "" || sel == nil {
			t.Fatalf("accepted without author or selector: %+v", req)
		}
		if (sel.fps != nil) == (len(sel.matchers) > 0) {
			t.Fatalf("selects by both or neither: %+v", sel)
		}
		if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(t0) {
			t.Fatalf("expiry in the past accepted: %v", req.ExpiresAt)
		}
	})
}
