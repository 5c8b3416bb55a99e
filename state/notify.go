package state

import (
	"context"
	"time"
)

// NflogEntry is what one integration of one receiver was last told about
// one alert group: the fingerprints it was sent as firing and as resolved,
// and when. It lives as long as the group does (never expires while an
// alert is still firing), so repeat_interval holds across restarts and no
// retention expiry re-pages a long-running alert.
type NflogEntry struct {
	Receiver    string
	Integration string
	GroupKey    string
	Firing      []uint64
	Resolved    []uint64
	// Acked are the firing fingerprints it was told were acknowledged.
	Acked []uint64
	// Flapping are the firing fingerprints it was told were flapping.
	Flapping []uint64
	SentAt   time.Time
}

// EscalationState is how far one alert group's escalation has gone; see
// package notifiers/escalation.
type EscalationState struct {
	GroupKey string
	// Reached is how many levels were notified.
	Reached int
	// Start is when the current unacknowledged episode began (zero: none).
	Start time.Time
	// LastAt is when the last level was last notified.
	LastAt time.Time
	// PausedAt is when escalation paused (zero: running).
	PausedAt time.Time
}

// Notification is one message queued for one integration: the outbox of
// the delivery side. Message is the integration-independent message,
// encoded by the notifiers package.
type Notification struct {
	ID          int64
	Receiver    string
	Integration string
	GroupKey    string
	Message     []byte
	CreatedAt   time.Time
}

// Flush is everything one flush of the dispatcher decided, stored in one
// transaction: the notification log entries it wrote or removed, the
// notifications it queued, and the alert events it has consumed.
type Flush struct {
	Nflog         []NflogEntry
	DeleteNflog   []NflogEntry // by Receiver, Integration, GroupKey
	Notifications []*Notification
	// ConsumedEvents are alert events (outbox IDs) now reflected in the
	// dispatcher's state.
	ConsumedEvents []int64
	// Escalations are upserted; DeleteEscalations are group keys whose
	// escalation ended with the group.
	Escalations       []EscalationState
	DeleteEscalations []string
	// EpisodeNotes are applied to the stored episodes (see EpisodeNote).
	EpisodeNotes []EpisodeNote
	At           time.Time
}

// NotifyStore persists the notification side: the notification log, the
// per-integration outbox and integration state (such as the Slack message
// of a group). The SQLite store implements it.
type NotifyStore interface {
	LoadNflog(ctx context.Context) ([]NflogEntry, error)
	// LoadEscalations returns every group's escalation state.
	LoadEscalations(ctx context.Context) ([]EscalationState, error)
	// ApplyFlush stores a flush atomically; notification IDs are assigned
	// in place.
	ApplyFlush(ctx context.Context, f *Flush) error
	// PendingNotifications returns up to limit undelivered notifications
	// of one integration, oldest first, leaving out those of the groups in
	// skipGroups (groups whose oldest message is waiting to be retried, so
	// that one group's failures do not hold back the others).
	PendingNotifications(ctx context.Context, receiver, integration string, limit int, skipGroups ...string) ([]*Notification, error)
	// CompleteNotification marks a notification delivered (or given up)
	// and saves the integration's state for its group.
	CompleteNotification(ctx context.Context, n *Notification, at time.Time, integrationState map[string]string) error
	// IntegrationState returns an integration's state for a group.
	IntegrationState(ctx context.Context, receiver, integration, groupKey string) (map[string]string, error)
	// TrimNotifications bounds one integration's outbox to max undelivered
	// notifications, dropping first those superseded by a newer one of the
	// same group, then the oldest. It returns how many were dropped.
	TrimNotifications(ctx context.Context, receiver, integration string, max int) (int, error)
	// NotificationDepth counts undelivered notifications by receiver.
	NotificationDepth(ctx context.Context) (map[string]int, error)
	// PendingCount counts one integration's undelivered notifications.
	PendingCount(ctx context.Context, receiver, integration string) (int, error)
}
