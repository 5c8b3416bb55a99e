package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// mutations are the mutating routes of the API; the test mounts a stand-in
// for the sub-APIs' (which the server mounts with Handle) and the real
// reload handler.
var mutations = []struct{ method, path string }{
	{"POST", "/api/v2/silences"},
	{"POST", "/api/v2/silences/preview"},
	{"DELETE", "/api/v2/silence/0b1c"},
	{"POST", "/api/v1/acknowledgements"},
	{"DELETE", "/api/v1/acknowledgements/0b1c"},
	{"POST", "/api/v1/maintenance_windows"},
	{"DELETE", "/api/v1/maintenance_windows/nightly"},
	{"POST", "/-/reload"},
	{"PUT", "/-/reload"},
}

func guardedAPI(t *testing.T, o *Origins) (*API, *int) {
	t.Helper()
	reached := 0
	api := New(Options{
		Rules:   fakeRules{},
		Reload:  func(context.Context) error { reached++; return nil },
		Origins: o,
	})
	stand := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	for _, p := range []string{"/api/v2/", "/api/v1/acknowledgements", "/api/v1/acknowledgements/", "/api/v1/maintenance_windows", "/api/v1/maintenance_windows/", "/slack/interactions"} {
		api.Handle(p, stand)
	}
	return api, &reached
}

func send(api http.Handler, method, path, body string, header map[string]string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	r.Host = "alerter.internal:9095"
	for k, v := range header {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, r)
	return rec
}

// TestSimpleContentTypesRefused: every mutating route answers a body a
// browser may send cross-origin without asking (text/plain, form,
// multipart) with 415 and a message, before the route runs.
func TestSimpleContentTypesRefused(t *testing.T) {
	api, reached := guardedAPI(t, &Origins{})
	for _, m := range mutations {
		for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
			rec := send(api, m.method, m.path, `{"matchers":[{"name":"a","value":"b","isRegex":false}]}`, map[string]string{"Content-Type": ct})
			if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), "application/json") {
				t.Errorf("%s %s with %q: %d %s", m.method, m.path, ct, rec.Code, rec.Body)
			}
		}
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
			if rec := send(api, m.method, m.path, `{}`, map[string]string{"Content-Type": ct}); rec.Code != http.StatusOK {
				t.Errorf("%s %s with %q: %d %s", m.method, m.path, ct, rec.Code, rec.Body)
			}
		}
	}
	if *reached != 3*len(mutations) {
		t.Errorf("routes reached %d times, want %d (only the JSON requests)", *reached, 3*len(mutations))
	}
	// Bodyless requests need no content type: curl -XPOST /-/reload,
	// amtool silence expire.
	for _, m := range []struct{ method, path string }{{"POST", "/-/reload"}, {"DELETE", "/api/v2/silence/x"}} {
		if rec := send(api, m.method, m.path, "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); rec.Code != http.StatusOK {
			t.Errorf("bodyless %s %s: %d %s", m.method, m.path, rec.Code, rec.Body)
		}
	}
	// Slack posts forms, signed.
	if rec := send(api, "POST", "/slack/interactions", "payload=x", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}); rec.Code != http.StatusOK {
		t.Errorf("slack interactions: %d", rec.Code)
	}
	// Reads are not mutations.
	if rec := send(api, "GET", "/api/v1/rules", "", map[string]string{"Origin": "https://evil.example"}); rec.Code != http.StatusOK {
		t.Errorf("GET with a foreign origin: %d", rec.Code)
	}
}

// TestCrossOriginRefused: a foreign Origin, or Sec-Fetch-Site cross-site
// or same-site, is 403 on every mutating route, even with a JSON body;
// the request's own origin, global.external_url's and the allowed ones
// pass, as do clients that send neither header.
func TestCrossOriginRefused(t *testing.T) {
	o := &Origins{}
	if err := o.SetAllowed("https://alerts.example.com/alerter/", []string{"https://grafana.example.com", "http://localhost:3000/"}); err != nil {
		t.Fatal(err)
	}
	api, _ := guardedAPI(t, o)
	with := func(kv ...string) map[string]string {
		h := map[string]string{"Content-Type": "application/json"}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	for _, m := range mutations {
		for _, tc := range []struct {
			name string
			h    map[string]string
			want int
		}{
			{"no browser headers", with(), 200},
			{"foreign origin", with("Origin", "https://evil.example"), 403},
			{"foreign origin, same host name on another port", with("Origin", "http://alerter.internal:8080"), 403},
			{"null origin", with("Origin", "null"), 403},
			{"foreign origin claiming same-origin", with("Origin", "https://evil.example", "Sec-Fetch-Site", "same-origin"), 403},
			{"cross-site without origin", with("Sec-Fetch-Site", "cross-site"), 403},
			{"same-site without origin", with("Sec-Fetch-Site", "same-site"), 403},
			{"own origin", with("Origin", "http://alerter.internal:9095", "Sec-Fetch-Site", "same-origin"), 200},
			{"own origin behind a TLS proxy", with("Origin", "https://alerter.internal:9095"), 200},
			{"own origin, cross-site says the browser", with("Origin", "http://alerter.internal:9095", "Sec-Fetch-Site", "cross-site"), 403},
			{"typed in the address bar", with("Sec-Fetch-Site", "none"), 200},
			{"same-origin fetch without origin", with("Sec-Fetch-Site", "same-origin"), 200},
			{"external URL's origin", with("Origin", "https://alerts.example.com", "Sec-Fetch-Site", "same-site"), 200},
			{"external URL's origin with default port", with("Origin", "https://ALERTS.example.com:443"), 200},
			{"allowed origin", with("Origin", "https://grafana.example.com", "Sec-Fetch-Site", "cross-site"), 200},
			{"allowed origin, other scheme", with("Origin", "http://grafana.example.com"), 403},
			{"allowed localhost origin", with("Origin", "http://localhost:3000"), 200},
		} {
			rec := send(api, m.method, m.path, `{}`, tc.h)
			if rec.Code != tc.want {
				t.Errorf("%s %s, %s: %d %s", m.method, m.path, tc.name, rec.Code, rec.Body)
			}
			if tc.want == 403 && !strings.Contains(rec.Body.String(), "refused") {
				t.Errorf("%s %s, %s: no message: %s", m.method, m.path, tc.name, rec.Body)
			}
		}
	}
	// Each family of routes answers in its own error shape.
	rec := send(api, "POST", "/api/v2/silences", `{}`, with("Origin", "https://evil.example"))
	var v2 struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v2); err != nil || v2.Code != 403 || v2.Message == "" {
		t.Errorf("v2 shape: %s %v", rec.Body, err)
	}
	rec = send(api, "POST", "/api/v1/acknowledgements", `{}`, with("Origin", "https://evil.example"))
	var v1 struct{ Status, ErrorType, Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &v1); err != nil || v1.Status != "error" || v1.ErrorType != "forbidden" {
		t.Errorf("v1 shape: %s %v", rec.Body, err)
	}
}

func TestParseOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://Grafana.Example.com":     "https://grafana.example.com",
		"https://grafana.example.com/":    "https://grafana.example.com",
		"https://grafana.example.com:443": "https://grafana.example.com",
		"http://localhost:3000":           "http://localhost:3000",
		"http://[::1]:80":                 "http://[::1]",
	} {
		if got, err := ParseOrigin(in); err != nil || got != want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "grafana.example.com", "ftp://x", "https://", "https://a/b", "https://a?x=1", "https://a#f", "https://u:p@a", "*", "null"} {
		if _, err := ParseOrigin(bad); err == nil {
			t.Errorf("ParseOrigin(%q) accepted", bad)
		}
	}
}

// TestBodyBound: no route reads more than MaxBodyBytes.
func TestBodyBound(t *testing.T) {
	api := New(Options{Rules: fakeRules{}, MaxBodyBytes: 10})
	read := -1
	api.Handle("POST /api/v1/acknowledgements", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		read = len(b)
	}))
	rec := send(api, "POST", "/api/v1/acknowledgements", strings.Repeat("x", 11), map[string]string{"Content-Type": "application/json"})
	if rec.Code != http.StatusRequestEntityTooLarge || read != -1 {
		t.Fatalf("announced too large: %d, read %d", rec.Code, read)
	}
	// Chunked, with no length announced: cut at the bound.
	r := httptest.NewRequest("POST", "/api/v1/acknowledgements", io.MultiReader(strings.NewReader(strings.Repeat("x", 100))))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	api.ServeHTTP(httptest.NewRecorder(), r)
	if read != 10 {
		t.Fatalf("read %d bytes of a chunked body, want the bound of 10", read)
	}
}

// FuzzOrigins: ParseOrigin's answers parse again to themselves, and the
// guard never lets a request with an Origin through unless that origin is
// listed or names the request's own host.
func FuzzOrigins(f *testing.F) {
	for _, s := range [][4]string{
		{"https://grafana.example.com", "", "application/json", "alerter:9095"},
		{"null", "cross-site", "text/plain", "alerter:9095"},
		{"http://alerter:9095", "same-origin", "application/json; charset=utf-8", "alerter:9095"},
		{"HTTPS://ALERTER:443/", "same-site", "", "alerter"},
		{"http://[::1]:9095", "none", "multipart/form-data", "[::1]:9095"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	o := &Origins{}
	if err := o.SetAllowed("https://alerts.example.com", []string{"https://grafana.example.com"}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, origin, site, ct, host string) {
		if n, err := ParseOrigin(origin); err == nil {
			if again, err := ParseOrigin(n); err != nil || again != n {
				t.Fatalf("ParseOrigin(%q) = %q, which parses as %q, %v", origin, n, again, err)
			}
		}
		r := httptest.NewRequest("POST", "/api/v2/silences", strings.NewReader("{}"))
		r.Host = host
		r.Header.Set("Origin", origin)
		r.Header.Set("Sec-Fetch-Site", site)
		r.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		if o.check(rec, r) {
			if rec.Code != http.StatusForbidden && rec.Code != http.StatusUnsupportedMediaType {
				t.Fatalf("refused with %d", rec.Code)
			}
			return
		}
		if origin == "" {
			return
		}
		n, err := ParseOrigin(origin)
		if err != nil {
			t.Fatalf("unparsable origin %q passed", origin)
		}
		_, h, _ := strings.Cut(n, "://")
		if !o.listed(n) && !strings.EqualFold(h, host) && !strings.EqualFold(h, strings.TrimSuffix(strings.TrimSuffix(host, ":80"), ":443")) {
			t.Fatalf("origin %q passed for host %q", origin, host)
		}
	})
}
