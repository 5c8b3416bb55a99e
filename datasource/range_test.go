package datasource

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// promRange imitates the status codes and bodies of Prometheus's
// query_range and runtimeinfo endpoints for unit tests; alerter replay's
// integration tests use a real Prometheus.
func promRange(t *testing.T, path string, status int, body string, check func(*http.Request)) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			t.Errorf("request %s %s, want %s", r.Method, r.URL.Path, path)
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if check != nil {
			check(r)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestQueryRange(t *testing.T) {
	start, end := time.Unix(1700000000, 0), time.Unix(1700000120, 0)
	c := promRange(t, "/api/v1/query_range", 200,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[1700000000,"1"],[1700000060,"2"],[1700000120,"NaN"]]}]}}`,
		func(r *http.Request) {
			if r.Method != http.MethodPost || r.Form.Get("query") != "up == 0" || r.Form.Get("start") != "1700000000" ||
				r.Form.Get("end") != "1700000120" || r.Form.Get("step") != "60" || r.Form.Get("timeout") == "" {
				t.Errorf("request %s %v", r.Method, r.Form)
			}
		})
	m, err := c.QueryRange(context.Background(), "up == 0", start, end, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || len(m[0].Values) != 3 || m[0].Metric["job"] != "a" || m[0].Values[1].Value != 2 {
		t.Fatalf("matrix %v", m)
	}
	for _, tc := range []struct {
		name, body  string
		status      int
		step        time.Duration
		end         time.Time
		want        string
		unavailable bool
	}{
		{"too many points", "", 200, time.Second, start.Add(4 * time.Hour), "more than Prometheus's 11000", false},
		{"API error", `{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries"}`, 400, time.Minute, end, "exceeded maximum resolution", false},
		{"vector", `{"status":"success","data":{"resultType":"vector","result":[]}}`, 200, time.Minute, end, `range query result is a "vector"`, false},
		{"not JSON", `<html>`, 502, time.Minute, end, "unexpected response", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := promRange(t, "/api/v1/query_range", tc.status, tc.body, nil)
			_, err := c.QueryRange(context.Background(), "up", start, tc.end, tc.step)
			var de *Error
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) || de.Unavailable() != tc.unavailable {
				t.Fatalf("error %v, want %q (unavailable %v)", err, tc.want, tc.unavailable)
			}
		})
	}
}

func TestRuntimeInfo(t *testing.T) {
	c := promRange(t, "/api/v1/status/runtimeinfo", 200, `{"status":"success","data":{"storageRetention":"15d","CWD":"/"}}`, func(r *http.Request) {
		if r.Method != http.MethodGet {
			t.Errorf("method %s", r.Method)
		}
	})
	ri, err := c.RuntimeInfo(context.Background())
	if err != nil || ri.StorageRetention != "15d" {
		t.Fatalf("%+v %v", ri, err)
	}
}
