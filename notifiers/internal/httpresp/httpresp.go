// Package httpresp reads the HTTP answers of receivers (webhook,
// PagerDuty) the same way everywhere: how long Retry-After asks to wait,
// a bounded, printable, secret-free snippet of an error body for the
// error message, and draining a body so the connection is reused.
package httpresp

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxSnippet bounds the response body quoted in errors.
const MaxSnippet = 512

// maxWait caps what a Retry-After may ask for.
const maxWait = 24 * time.Hour

// RetryAfter reads a Retry-After header value: delay seconds or an HTTP
// date (RFC 9110 section 10.2.3). It returns 0 when absent or invalid,
// and caps the wait at a day.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(maxWait/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxWait)
	}
	return 0
}

// Snippet reads the start of a response body as one printable line, with
// every non-empty secret replaced by "<redacted>".
func Snippet(r io.Reader, secrets ...string) string {
	b, _ := io.ReadAll(io.LimitReader(r, MaxSnippet))
	truncated := len(b) == MaxSnippet
	// Drop a rune cut in half by the limit.
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, strings.TrimSpace(string(b)))
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	if truncated {
		s += "…"
	}
	return s
}

// DrainAndClose reads a bounded amount of what is left of a response body
// so that the connection can be reused, then closes it.
func DrainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
