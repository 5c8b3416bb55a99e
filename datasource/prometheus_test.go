package datasource

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/evaluator"
)

// promAPI imitates only the status codes and bodies of Prometheus's query
// endpoint for unit tests; integration tests use a real Prometheus.
func promAPI(t *testing.T, status int, body string, check func(*http.Request)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/prefix/api/v1/query" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if check != nil {
			check(r)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestQuery(t *testing.T) {
	ts := time.Unix(1700000000, 500_000_000)
	tests := []struct {
		name        string
		status      int
		body        string
		wantN       int
		wantErr     string
		unavailable bool
	}{
		{"vector", 200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1700000000.5,"1"]},{"metric":{},"value":[1700000000.5,"NaN"]}]}}`, 2, "", false},
		{"empty vector", 200, `{"status":"success","data":{"resultType":"vector","result":[]}}`, 0, "", false},
		{"scalar", 200, `{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"3"]}}`, 1, "", false},
		{"matrix is a rule error", 200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`, 0, "not a vector", false},
		{"bad_data is the rule's fault", 400, `{"status":"error","errorType":"bad_data","error":"parse error"}`, 0, "parse error", false},
		{"execution error is the rule's fault", 422, `{"status":"error","errorType":"execution","error":"many-to-many"}`, 0, "many-to-many", false},
		{"503 is unavailable", 503, `{"status":"error","errorType":"unavailable","error":"shutting down"}`, 0, "shutting down", true},
		{"query timeout is unavailable", 503, `{"status":"error","errorType":"timeout","error":"query timed out"}`, 0, "timed out", true},
		{"a proxy's html page is unavailable", 502, `<html>bad gateway</html>`, 0, "unexpected response", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := promAPI(t, tc.status, tc.body, func(r *http.Request) {
				if r.Form.Get("query") != "up" || r.Form.Get("time") != "1700000000.5" || r.Form.Get("timeout") != "5s" {
					t.Errorf("form %v", r.Form)
				}
				if !strings.HasPrefix(r.UserAgent(), "alerter") {
					t.Errorf("user agent %q", r.UserAgent())
				}
			})
			c, err := New(Options{URL: srv.URL + "/prefix", HTTPConfig: config.DefaultHTTPClientConfig, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var v evaluator.Vector
			err = c.Query(context.Background(), "up", ts, &v)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if got := evaluator.IsUnavailable(err); got != tc.unavailable {
					t.Fatalf("unavailable = %v, want %v", got, tc.unavailable)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Samples) != tc.wantN {
				t.Fatalf("%d samples, want %d", len(v.Samples), tc.wantN)
			}
		})
	}
}

func TestQueryConnectionRefusedIsUnavailableAndRedacted(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1)
	srv.Close()
	c, err := New(Options{URL: u, HTTPConfig: config.DefaultHTTPClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Query(context.Background(), "up", time.Now(), &evaluator.Vector{})
	if err == nil || !evaluator.IsUnavailable(err) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error leaks the password: %v", err)
	}
	var de *Error
	if !errors.As(err, &de) || de.Type != "network" {
		t.Fatalf("error type: %#v", err)
	}
}

func TestQueryAuth(t *testing.T) {
	srv := promAPI(t, 200, `{"status":"success","data":{"resultType":"vector","result":[]}}`, func(r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alerter" || p != "s3cret" {
			t.Errorf("basic auth %q %q %v", u, p, ok)
		}
	})
	hc := config.DefaultHTTPClientConfig
	hc.BasicAuth = &config.BasicAuth{Username: "alerter", Password: "s3cret"}
	c, err := New(Options{URL: srv.URL + "/prefix", HTTPConfig: hc})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Query(context.Background(), "up", time.Now(), &evaluator.Vector{}); err != nil {
		t.Fatal(err)
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"localhost:9090", "ftp://x", "://"} {
		if _, err := New(Options{URL: u}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}
