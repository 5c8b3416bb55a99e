package notifiers

import (
	"context"
	"time"

	"github.com/alerter/alerter/alert"
)

// Integration sends a Message to one external system (a webhook, Slack,
// PagerDuty…). It decides whether a failure is worth retrying: retry is
// true for transient failures (network errors, 5xx, 429) and false when
// sending the same message again cannot succeed (a 400, a bad config).
type Integration interface {
	Notify(ctx context.Context, m *Message) (retry bool, err error)
}

// Named is implemented by integrations that name themselves, for the
// "integration" label of metrics and for logs. An integration that does
// not (or returns "") is called "integration<index>".
type Named interface {
	Name() string
}

// Outbox is the part of the state store that the Deliverer drains.
// state.Store satisfies it.
type Outbox interface {
	// PendingEvents returns up to limit undelivered events, oldest first.
	PendingEvents(ctx context.Context, limit int) ([]*alert.Event, error)
	// MarkDelivered records that the events were delivered.
	MarkDelivered(ctx context.Context, ids []int64, at time.Time) error
	// OutboxDepth counts undelivered events.
	OutboxDepth(ctx context.Context) (int, error)
}
