package pagerduty

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxSnippet bounds the response body quoted in a StatusError.
const maxSnippet = 512

// StatusError is a non-2xx answer of the Events API.
type StatusError struct {
	StatusCode int
	// Body is the start of the response body (PagerDuty explains a 400
	// there), sanitised, with the routing key removed.
	Body string
	// Wait is what the Retry-After header asked for, if any.
	Wait time.Duration
}

// Error says what PagerDuty answered.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("pagerduty: answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Retryable is true for 429 and 5xx, as PagerDuty documents; a 400 means
// the event is invalid and sending it again cannot succeed.
func (e *StatusError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode/100 == 5
}

// RetryAfter is the wait PagerDuty asked for; it makes StatusError a
// notifiers.RetryAfterError.
func (e *StatusError) RetryAfter() time.Duration { return e.Wait }

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP
// date. It returns 0 when absent or invalid, and caps the wait at a day.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour)
	}
	return 0
}

// readSnippet reads the start of a response body as one printable line,
// with secret replaced.
func readSnippet(r io.Reader, secret string) string {
	b, _ := io.ReadAll(io.LimitReader(r, maxSnippet))
	truncated := len(b) == maxSnippet
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, strings.TrimSpace(string(b)))
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "<redacted>")
	}
	if truncated {
		s += "…"
	}
	return s
}

// drainAndClose reads a bounded amount of what is left of a response
// body so that the connection can be reused.
func drainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
