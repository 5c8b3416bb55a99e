package webhooksink

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// FuzzServeHTTP checks that no request body makes the sink panic or store
// a payload that breaks the version 4 rules.
func FuzzServeHTTP(f *testing.F) {
	if b, err := os.ReadFile("testdata/alertmanager_v4.json"); err == nil {
		f.Add(string(b))
	}
	f.Add(`{"version":"4","receiver":"r","status":"resolved","alerts":[{"status":"resolved","labels":{"alertname":"A"}}]}`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, body string) {
		s := New(Options{})
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
		for _, p := range s.Payloads() {
			if err := p.Validate(); err != nil {
				t.Fatalf("stored an invalid payload: %v", err)
			}
		}
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d", rec.Code)
		}
	})
}
