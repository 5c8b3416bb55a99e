package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/datasource"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2030, 5, 8, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"now":                  now,
		"now-7d":               now.Add(-7 * 24 * time.Hour),
		"-36h":                 now.Add(-36 * time.Hour),
		"now+1h":               now.Add(time.Hour),
		"2030-05-01T10:00:00Z": time.Date(2030, 5, 1, 10, 0, 0, 0, time.UTC),
		"2030-05-01":           time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC),
		"1900000000":           time.Unix(1900000000, 0),
		"1900000000.5":         time.Unix(1900000000, 500_000_000),
	} {
		got, err := parseTime(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "now-", "now-7x", "-", "2030-13-01"} {
		if _, err := parseTime(bad, now); err == nil {
			t.Errorf("parseTime(%q) succeeded", bad)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"now", "now-7d", "-1h30m", "2030-05-01T10:00:00Z", "2030-05-01", "1.5", "now+", "+"} {
		f.Add(s)
	}
	now := time.Unix(1900000000, 0)
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := parseTime(s, now); err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}

func TestReplayUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"replay", "r.yml"}, "--from is required"},
		{[]string{"replay", "--from", "soon", "r.yml"}, "--from:"},
		{[]string{"replay", "--from", "now-1h", "--to", "now+1h", "r.yml"}, "is in the future"},
		{[]string{"replay", "--from", "now-1h", "--format", "xml", "r.yml"}, "--format must be table or json"},
		{[]string{"replay", "--from", "now-1h", "--plot", "A", "r.yml"}, "--plot and --plot-out go together"},
		{[]string{"replay", "--from", "now-1h"}, "no rule files"},
	} {
		code, _, errs := runCLI(tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	dir := t.TempDir()
	bad := write(t, dir, "bad.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up ==\n")
	if code, _, errs := runCLI("replay", "--from", "now-1h", bad); code != 1 || !strings.Contains(errs, bad+":5:") {
		t.Errorf("bad rule file: exit %d\n%s", code, errs)
	}
}

// TestCheckRetention reads the retention from a server that answers as
// Prometheus's runtimeinfo does.
func TestCheckRetention(t *testing.T) {
	now := time.Date(2030, 5, 8, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		retention string
		from      time.Time
		want      string
	}{
		{"15d", now.Add(-10 * 24 * time.Hour), ""},
		{"15d", now.Add(-20 * 24 * time.Hour), "outside Prometheus's retention (15d)"},
		{"15d or 10GiB", now.Add(-20 * 24 * time.Hour), "outside Prometheus's retention (15d or 10GiB)"},
		{"10GiB", now.Add(-200 * 24 * time.Hour), ""},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/v1/status/runtimeinfo" {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write([]byte(`{"status":"success","data":{"storageRetention":"` + tc.retention + `"}}`))
		}))
		c, _ := datasource.New(datasource.Options{URL: srv.URL})
		err := checkRetention(context.Background(), c, tc.from, now)
		srv.Close()
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s from %v: %v, want %q", tc.retention, tc.from, err, tc.want)
		}
	}
}
