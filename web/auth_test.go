package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	auth := &Auth{}
	api := New(Options{
		Rules:  fakeRules{},
		Ready:  func() bool { return true },
		Reload: func(context.Context) error { return nil },
		Auth:   auth,
	})
	api.Handle("POST /slack/interactions", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent) // stands for the signature-checking handler
	}))
	// Stands for the web UI's static files.
	page := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	api.HandlePublic("GET /{$}", page)
	api.HandlePublic("GET /ui/", page)
	do := func(method, path, token string) int {
		r := httptest.NewRequest(method, path, nil)
		if token != "" {
			r.Header.Set("Authorization", token)
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, r)
		if rec.Code == http.StatusUnauthorized {
			if strings.TrimSpace(rec.Body.String()) != "Unauthorized" || rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("401 body %q, header %q", rec.Body, rec.Header().Get("WWW-Authenticate"))
			}
		}
		return rec.Code
	}
	tests := []struct {
		name         string
		write, read  string
		method, path string
		token        string
		want         int
	}{
		{"no tokens: open", "", "", "POST", "/-/reload", "", 200},
		{"write token guards reload", "w", "", "POST", "/-/reload", "", 401},
		{"wrong token", "w", "", "POST", "/-/reload", "Bearer x", 401},
		{"prefix of the token", "wtoken", "", "POST", "/-/reload", "Bearer wtok", 401},
		{"basic scheme is not bearer", "w", "", "POST", "/-/reload", "Basic w", 401},
		{"right token", "w", "", "POST", "/-/reload", "Bearer w", 200},
		{"scheme is case-insensitive", "w", "", "POST", "/-/reload", "bearer w", 200},
		{"reads open without a read token", "w", "", "GET", "/api/v1/rules", "", 200},
		{"read token guards reads", "w", "r", "GET", "/api/v1/rules", "", 401},
		{"read token reads", "w", "r", "GET", "/api/v1/alerts", "Bearer r", 200},
		{"write token reads too", "w", "r", "GET", "/api/v1/alerts", "Bearer w", 200},
		{"read token cannot write", "w", "r", "POST", "/-/reload", "Bearer r", 401},
		{"probes stay open", "w", "r", "GET", "/-/healthy", "", 200},
		{"readiness stays open", "w", "r", "GET", "/-/ready", "", 200},
		{"slack signs its own requests", "w", "r", "POST", "/slack/interactions", "", 204},
		{"acknowledging needs the write token", "w", "", "POST", "/api/v1/acknowledgements", "", 401},
		{"a silence preview is a read", "w", "", "POST", "/api/v2/silences/preview", "", 404},
		{"a silence preview needs the read token", "w", "r", "POST", "/api/v2/silences/preview", "", 401},
		{"a silence preview with the read token", "w", "r", "POST", "/api/v2/silences/preview", "Bearer r", 404},
		{"the UI page loads without a token", "w", "r", "GET", "/", "", 200},
		{"the UI's files load without a token", "w", "r", "GET", "/ui/js/app.js", "", 200},
		{"HEAD of the UI too", "w", "r", "HEAD", "/ui/app.css", "", 200},
		{"a POST to the UI path is not public", "w", "r", "POST", "/", "", 401},
		{"public is the UI's paths only", "w", "r", "GET", "/uix", "", 401},
		{"a wrong token does not matter for the UI", "w", "r", "GET", "/", "Bearer nope", 200},
	}
	for _, tc := range tests {
		auth.SetTokens(tc.write, tc.read)
		if got := do(tc.method, tc.path, tc.token); got != tc.want {
			t.Errorf("%s: %s %s with %q = %d, want %d", tc.name, tc.method, tc.path, tc.token, got, tc.want)
		}
	}
}
