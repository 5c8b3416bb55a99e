package notifiers

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Integration sends a Message to one external system (a webhook, Slack,
// PagerDuty…). It decides whether a failure is worth retrying: retry is
// true for transient failures (network errors, 5xx, 429) and false when
// sending the same message again cannot succeed (a 400, a bad config).
// Every outbound call it makes has a timeout.
type Integration interface {
	Notify(ctx context.Context, m *Message) (retry bool, err error)
}

// Named is implemented by integrations that name themselves ("slack",
// "webhook", ...), for the "integration" label of metrics and for logs.
type Named interface {
	Name() string
}

// ResolvedSender is implemented by integrations with a send_resolved
// setting. When it returns false the pipeline leaves resolved alerts out
// of their messages and sends nothing for a group with no firing alert.
type ResolvedSender interface {
	SendResolved() bool
}

// RetryAfterError is implemented by errors that say when to try again
// (Slack's rate limits, a 429 with Retry-After). The sender waits at least
// that long before the next attempt.
type RetryAfterError interface {
	error
	RetryAfter() time.Duration
}

// RetryAfter returns the wait an error asks for, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var ra RetryAfterError
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		return ra.RetryAfter(), true
	}
	return 0, false
}

// IntegrationOptions are what every integration constructor receives
// besides its own configuration.
type IntegrationOptions struct {
	// Receiver names the receiver the integration belongs to.
	Receiver string
	// Logger defaults to discarding. Never log secrets.
	Logger *slog.Logger
	// UserAgent is sent with every HTTP request ("alerter/<version>").
	UserAgent string
	// ExternalURL is alerter's own URL, for links.
	ExternalURL string
}
