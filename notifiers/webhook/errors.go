package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

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
