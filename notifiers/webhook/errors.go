package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxSnippet bounds the response body quoted in a StatusError.
const maxSnippet = 512

// StatusError is a non-2xx response from the webhook.
type StatusError struct {
	// URL is the webhook's redacted URL.
	URL        string
	StatusCode int
	// Body is the start of the response body, sanitised.
	Body string
	// Wait is what the response's Retry-After header asked for, if any.
	Wait time.Duration
}

// Error says which status the webhook answered, and what it said.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("webhook: %s answered %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Retryable is true for 5xx and 429, after which the same request may
// succeed; other statuses mean the request itself is wrong.
func (e *StatusError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode/100 == 5
}

// RetryAfter is the wait the webhook asked for with Retry-After; it makes
// StatusError a notifiers.RetryAfterError.
func (e *StatusError) RetryAfter() time.Duration { return e.Wait }

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP
// date (RFC 9110 section 10.2.3). It returns 0 when absent or invalid,
// and caps the wait at a day.
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

// readSnippet reads the start of a response body as one printable line.
func readSnippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, maxSnippet))
	truncated := len(b) == maxSnippet
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
	if truncated {
		s += "…"
	}
	return s
}

// redactURL shows where a webhook is without what may be a secret in it:
// scheme and host only. Userinfo, path and query are dropped, since
// webhook URLs commonly carry tokens in any of them (Slack and Discord in
// the path, others in the query).
func redactURL(u *url.URL) string {
	if u == nil {
		return "<none>"
	}
	r := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		r += "/<redacted>"
	}
	return r
}

// redactErr replaces the URL that net/http puts into its errors (with the
// password stripped, but the path and query intact) by the redacted one.
// The rest of the chain is kept for errors.Is, e.g. DeadlineExceeded.
func redactErr(err error, redacted string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redacted, Err: ue.Err}
	}
	return err
}
