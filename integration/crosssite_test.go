package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// mutation is one mutating request of the API, with a body that it
// accepts from a client that is not a browser.
type mutation struct {
	method, path, body string
}

// mutations lists every mutating route with a body that succeeds; the
// silence, acknowledgement and window they delete are made by setup.
func (e *env) mutations(t *testing.T) []mutation {
	t.Helper()
	code, body := e.postJSON("/api/v2/silences", silenceBody("setup"))
	if code != 200 {
		t.Fatalf("setup silence: %d %s", code, body)
	}
	var sil struct{ SilenceID string }
	_ = json.Unmarshal([]byte(body), &sil)
	code, body = e.postJSON("/api/v1/acknowledgements", `{"filter":["alertname=\"Guarded\""],"createdBy":"setup"}`)
	if code != 200 {
		t.Fatalf("setup ack: %d %s", code, body)
	}
	var k struct{ Data struct{ ID string } }
	_ = json.Unmarshal([]byte(body), &k)
	if code, body = e.postJSON("/api/v1/maintenance_windows", windowBody("setup")); code != 200 {
		t.Fatalf("setup window: %d %s", code, body)
	}
	return []mutation{
		{"POST", "/api/v2/silences", silenceBody("m")},
		{"POST", "/api/v2/silences/preview", silenceBody("m")},
		{"DELETE", "/api/v2/silence/" + sil.SilenceID, ""},
		{"POST", "/api/v1/acknowledgements", `{"filter":["alertname=\"Guarded\""],"createdBy":"m"}`},
		{"DELETE", "/api/v1/acknowledgements/" + k.Data.ID, ""},
		{"POST", "/api/v1/maintenance_windows", windowBody("m")},
		{"DELETE", "/api/v1/maintenance_windows/setup", ""},
		{"POST", "/api/v2/alerts", `[{"labels":{"alertname":"CrossSite"}}]`},
		{"POST", "/api/v1/alerts", `[{"labels":{"alertname":"CrossSite"}}]`},
		{"POST", "/-/reload", ""},
		{"PUT", "/-/reload", ""},
	}
}

func silenceBody(by string) string {
	now := time.Now().UTC()
	return fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"Guarded","isRegex":false,"isEqual":true}],"startsAt":%q,"endsAt":%q,"createdBy":%q,"comment":"c"}`,
		now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339), by)
}

func windowBody(name string) string {
	return fmt.Sprintf(`{"name":%q,"schedule":"0 3 * * *","duration":"1h","filter":["alertname=\"Guarded\""],"createdBy":"ops"}`, name)
}

func (e *env) send(method, path, body string, header map[string]string) (int, string) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.apiURL(path), rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// counts returns how many silences, acknowledgements and API windows
// there are.
func (e *env) counts(t *testing.T) (sils, acks, windows int) {
	t.Helper()
	var ss []json.RawMessage
	var ks []json.RawMessage
	var ws []struct{ Source string }
	if err := getRaw(e.apiURL("/api/v2/silences"), &ss); err != nil {
		t.Fatal(err)
	}
	if err := e.getJSON("/api/v1/acknowledgements", &ks); err != nil {
		t.Fatal(err)
	}
	if err := e.getJSON("/api/v1/maintenance_windows", &ws); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Source == "api" {
			windows++
		}
	}
	return len(ss), len(ks), windows
}

// TestCrossSiteMutationsRefused runs the real binary with authentication
// off, as by default: a page on another site cannot change anything
// through the visitor's browser. Every mutating route answers the bodies
// a browser may send cross-origin without a preflight (text/plain, form,
// multipart) with 415, and a foreign Origin (or Sec-Fetch-Site:
// cross-site) with 403; nothing is created, deleted or reloaded. The
// API's own origin, global.external_url's and web.allowed_origins pass,
// as do clients that are not browsers.
func TestCrossSiteMutationsRefused(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Guarded
        expr: test_value > 0.5
`, "300ms", `  allowed_origins: [https://grafana.example.com]
`+defaultNotify)
	cfg, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "global:\n", "global:\n  external_url: https://alerts.example.com/alerter/\n", 1))
	if err := os.WriteFile(e.cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitAlert("Guarded", "firing")
	ms := e.mutations(t)
	reloads := e.metricValue("alerter_config_last_reload_success_timestamp_seconds")
	s0, k0, w0 := e.counts(t)

	for _, m := range ms {
		body := m.body
		if body == "" {
			body = "{}" // a body is what needs a content type
		}
		for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=----x"} {
			code, resp := e.send(m.method, m.path, body, map[string]string{"Content-Type": ct})
			if code != http.StatusUnsupportedMediaType || !strings.Contains(resp, "application/json") {
				t.Errorf("%s %s as %s: %d %s", m.method, m.path, ct, code, resp)
			}
		}
		for _, h := range []map[string]string{
			{"Origin": "https://evil.example"},
			{"Origin": "null"},
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"},
		} {
			if _, ok := h["Content-Type"]; !ok {
				h["Content-Type"] = "application/json"
			}
			code, resp := e.send(m.method, m.path, m.body, h)
			if code != http.StatusForbidden || !strings.Contains(resp, "refused") {
				t.Errorf("%s %s with %v: %d %s", m.method, m.path, h, code, resp)
			}
		}
	}
	if s, k, w := e.counts(t); s != s0 || k != k0 || w != w0 {
		t.Fatalf("refused requests changed state: silences %d->%d, acks %d->%d, windows %d->%d", s0, s, k0, k, w0, w)
	}
	if r := e.metricValue("alerter_config_last_reload_success_timestamp_seconds"); r != reloads {
		t.Fatal("a refused request reloaded the configuration")
	}

	// Allowed origins, the API's own origin and non-browser clients pass.
	own := fmt.Sprintf("http://127.0.0.1:%d", e.port)
	for i, origin := range []string{"https://grafana.example.com", "https://alerts.example.com", own, ""} {
		h := map[string]string{"Content-Type": "application/json; charset=utf-8"}
		if origin != "" {
			h["Origin"] = origin
			h["Sec-Fetch-Site"] = "same-origin"
			if origin != own {
				h["Sec-Fetch-Site"] = "cross-site"
			}
		}
		if code, resp := e.send("POST", "/api/v2/silences", silenceBody(fmt.Sprint("allowed", i)), h); code != 200 {
			t.Errorf("silence from %q: %d %s", origin, code, resp)
		}
		if code, resp := e.send("POST", "/-/reload", "", h); code != 200 {
			t.Errorf("reload from %q: %d %s", origin, code, resp)
		}
	}
	if s, _, _ := e.counts(t); s != s0+4 {
		t.Fatalf("%d silences, want %d", s, s0+4)
	}
	// amtool is a client like any other.
	am := newAmtool(t, e)
	id := strings.TrimSpace(am.run("silence", "add", "alertname=Guarded", "--comment=c", "--author=a", "--duration=1h"))
	if id == "" {
		t.Fatal("amtool: no silence id")
	}
	am.run("silence", "expire", id)
}
