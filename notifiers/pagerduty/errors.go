package pagerduty

import (
	"fmt"
	"net/http"
	"time"
)

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
