package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// retryableCode says whether a Web API error code means the same call may
// succeed later. Every other code (invalid_auth, channel_not_found,
// not_in_channel, invalid_blocks, …) means the call itself is wrong.
func retryableCode(code string) bool {
	switch code {
	case "ratelimited", "fatal_error", "internal_error", "request_timeout", "service_unavailable":
		return true
	}
	return false
}

// goneCode says whether a chat.update error code means that the message
// cannot be edited any more (deleted, too old, not ours, its channel
// gone), so that a new message is posted instead.
func goneCode(code string) bool {
	switch code {
	case "message_not_found", "cant_update_message", "channel_not_found", "edit_window_closed":
		return true
	}
	return false
}

// APIError is a failed call to Slack that Slack answered: an error code
// of the Web API ({"ok":false,"error":"…"}) or a non-200 status of an
// incoming webhook or of the Web API.
type APIError struct {
	// Method is the Web API method ("chat.postMessage", "chat.update") or
	// "webhook".
	Method string
	// Code is Slack's error code: from the Web API's "error" field, or an
	// incoming webhook's response body ("invalid_payload",
	// "channel_not_found", …).
	Code string
	// StatusCode is the HTTP status when it was not 200.
	StatusCode int
	retry      bool
}

// Error says what Slack answered; it never contains a token or a
// webhook URL.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("slack: ")
	b.WriteString(e.Method)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	return b.String()
}

// Retryable says whether sending the same message again may succeed.
func (e *APIError) Retryable() bool { return e.retry }

// RateLimitError is Slack asking to slow down (HTTP 429 with Retry-After).
// It implements notifiers.RetryAfterError.
type RateLimitError struct {
	Method string
	After  time.Duration
}

// Error says how long Slack asked to wait.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("slack: %s: rate limited, retry after %s", e.Method, e.After)
}

// RetryAfter is how long Slack asked to wait.
func (e *RateLimitError) RetryAfter() time.Duration { return e.After }

// classify turns an error of slack-go into one of this package's, with
// whether it is worth retrying. Network errors, timeouts, 5xx and rate
// limits are; Slack's error codes are not, except the transient ones.
// redacted replaces the URL in net/http's errors, which for webhooks is a
// secret, and secrets are scrubbed from the text of errors this function
// does not know.
func classify(method string, err error, redacted string, secrets ...string) (retry bool, _ error) {
	if err == nil {
		return false, nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return true, &RateLimitError{Method: method, After: rl.RetryAfter}
	}
	var ser slack.SlackErrorResponse
	if errors.As(err, &ser) {
		e := &APIError{Method: method, Code: sanitize(ser.Err), retry: retryableCode(ser.Err)}
		return e.retry, e
	}
	var sce slack.StatusCodeError
	if errors.As(err, &sce) {
		e := &APIError{Method: method, StatusCode: sce.Code,
			retry: sce.Code >= 500 || sce.Code == http.StatusTooManyRequests}
		return e.retry, e
	}
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		// slack-go fails this way on a 429 whose Retry-After is not a
		// number of seconds; Slack's never is, but a proxy's may be.
		return true, &APIError{Method: method, StatusCode: http.StatusTooManyRequests, retry: true}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Rebuild net/http's error without the URL, keeping the cause
		// (DeadlineExceeded, a dial error) for errors.Is.
		return true, fmt.Errorf("slack: %s: %w", method, &url.Error{Op: ue.Op, URL: redacted, Err: ue.Err})
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true, fmt.Errorf("slack: %s: %w", method, err)
	}
	// A body that is not Slack's JSON (a proxy's error page) and anything
	// else unexpected: transient as far as we can tell.
	if msg := scrub(err.Error(), secrets); msg != err.Error() {
		return true, fmt.Errorf("slack: %s: %s", method, msg)
	}
	return true, fmt.Errorf("slack: %s: %w", method, err)
}

// scrub replaces every secret in s.
func scrub(s string, secrets []string) string {
	for _, secret := range secrets {
		if len(secret) > 1 {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}

// errorCode returns Slack's error code of err, if it is one.
func errorCode(err error) string {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// maxSnippet bounds the part of a response body kept for an error.
const maxSnippet = 256

// sanitize makes a string from a response safe to put into an error and
// a log line: printable, one line, bounded.
func sanitize(s string) string {
	if len(s) > maxSnippet {
		s = s[:maxSnippet]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, strings.TrimSpace(s))
}

// redactURL shows where a webhook is without its secret: scheme and host.
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
