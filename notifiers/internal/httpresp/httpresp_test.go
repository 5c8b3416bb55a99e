package httpresp

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"  ", 0},
		{"120", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tc := range tests {
		if got := RetryAfter(tc.in, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	if got := Snippet(strings.NewReader(" bad\x00 key=SECRET \n"), "SECRET", ""); got != "bad  key=<redacted>" {
		t.Errorf("Snippet = %q", got)
	}
	long := strings.Repeat("é", MaxSnippet) // 2 bytes each: the limit cuts a rune
	got := Snippet(strings.NewReader(long))
	if !strings.HasSuffix(got, "…") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("long snippet not cut cleanly: %q", got[len(got)-10:])
	}
}
