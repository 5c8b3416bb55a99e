package amapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// FuzzPostSilence posts arbitrary bodies to POST /api/v2/silences and
// /api/v2/silences/preview: the API must never panic, never answer 5xx for
// a bad body (the fake store fails only on what it is asked to store), and
// always answer JSON.
func FuzzPostSilence(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `"x"`, `{"matchers":null}`, `{"matchers":[{}]}`,
		`{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2026-03-01T10:00:00Z","endsAt":"2026-03-01T11:00:00Z","createdBy":"me","comment":"c"}`,
		`{"id":"s1","matchers":[{"name":"a","value":"(","isRegex":true,"isEqual":false}],"startsAt":"2026-03-01T10:00:00Z","endsAt":"2026-03-01T09:00:00Z","createdBy":"","comment":""}`,
		`{"id":"nope","matchers":[{"name":"","value":"","isRegex":true}],"startsAt":"x","endsAt":1,"createdBy":null,"comment":{}}`,
		`{"matchers":[{"name":"a\u0000","value":"\ud800","isRegex":false}],"startsAt":"2026-03-01T10:00:00.5+0100","endsAt":"9999-12-31T23:59:59Z","createdBy":"me","comment":"c","untilResolved":true}`,
		`{"matchers":[{"name":"a","value":"b","isRegex":false}]}{"trailing":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fx := newFixture(t, newFake(sil(t, "s1", `a="b"`, now.Add(-time.Hour), now.Add(time.Hour))), firingAlert("A", "a"))
		for _, path := range []string{"/api/v2/silences", "/api/v2/silences/preview"} {
			code, resp, h := fx.do(t, http.MethodPost, path, body)
			if code >= 500 {
				t.Fatalf("POST %s %q: %d %s", path, body, code, resp)
			}
			if h.Get("Content-Type") != "application/json" || !json.Valid([]byte(resp)) {
				t.Fatalf("POST %s %q: %d, not JSON: %q", path, body, code, resp)
			}
		}
	})
}

// FuzzFilter sends arbitrary filter and receiver parameters: the answer is
// 200 with a JSON array or 400 with a JSON string, never a panic or 5xx.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		``, `a=b`, `a="b"`, `{a="b"}`, `a=~"(`, `a!~".*"`, `"a b"="c"`, `a=b,c=d`, `=`, `a`, "a=\xff", `名前=~"値"`,
	} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, filter, receiver string) {
		fx := newFixture(t, newFake(sil(t, "s1", `a="b"`, now.Add(-time.Hour), now.Add(time.Hour))), firingAlert("A", "a"), firingAlert("B", "b"))
		for _, target := range []string{
			"/api/v2/silences?" + url.Values{"filter": {filter}}.Encode(),
			"/api/v2/alerts?" + url.Values{"filter": {filter, filter}, "receiver": {receiver}}.Encode(),
		} {
			code, resp, _ := fx.do(t, http.MethodGet, target, "")
			var v any
			if err := json.Unmarshal([]byte(resp), &v); err != nil {
				t.Fatalf("%s: %d, not JSON: %q", target, code, resp)
			}
			switch code {
			case http.StatusOK:
				if _, ok := v.([]any); !ok {
					t.Fatalf("%s: 200 but not an array: %s", target, resp)
				}
			case http.StatusBadRequest:
				if _, ok := v.(string); !ok {
					t.Fatalf("%s: 400 but not a message: %s", target, resp)
				}
			default:
				t.Fatalf("%s: %d %s", target, code, resp)
			}
		}
	})
}
