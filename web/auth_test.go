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
	}
	for _, tc := range tests {
		auth.SetTokens(tc.write, tc.read)
		if got := do(tc.method, tc.path, tc.token); got != tc.want {
			t.Errorf("%s: %s %s with %q = %d, want %d", tc.name, tc.method, tc.path, tc.token, got, tc.want)
		}
	}
}
