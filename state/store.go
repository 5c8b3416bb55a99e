// Package state holds and persists everything that must outlive a restart:
// alert state, per-group evaluation markers, and the outbox of events the
// notification side has not yet delivered.
package state

import (
	"context"
	"time"

	"github.com/alerter/alerter/alert"
)

// GroupMark records the last successful evaluation of a rule group, so that
// after a restart the evaluator knows how long it was down.
type GroupMark struct {
	Group      string
	LastEvalAt time.Time
}

// Batch is everything one group evaluation changed. A Store applies it in
// one transaction: either all of it is stored or none of it.
type Batch struct {
	// Group is the group key (file + ";" + group name).
	Group string
	// EvaluatedAt, when non-zero, updates the group's GroupMark.
	EvaluatedAt time.Time
	// Upserts are alerts whose stored record changed.
	Upserts []*alert.Alert
	// Deletes are alerts that no longer need to be kept.
	Deletes []alert.Key
	// Events are appended to the outbox.
	Events []*alert.Event
	// Status, when set, replaces the group's stored evaluation status.
	Status *GroupStatus
	// Episodes are upserted, in order (see EpisodeStore).
	Episodes []Episode
}

// Store persists alert state and the outbox. The embedded default is SQLite
// (state/sqlite); a shared database can implement the same interface so
// that several replicas see one state.
type Store interface {
	// LoadAlerts returns every stored alert.
	LoadAlerts(ctx context.Context) ([]*alert.Alert, error)
	// LoadGroupMarks returns the last evaluation time of every group.
	LoadGroupMarks(ctx context.Context) ([]GroupMark, error)
	// Commit applies a batch atomically. Event IDs are assigned in place.
	Commit(ctx context.Context, b *Batch) error
	// PendingEvents returns up to limit undelivered events, oldest first.
	PendingEvents(ctx context.Context, limit int) ([]*alert.Event, error)
	// MarkDelivered records that the events were delivered.
	MarkDelivered(ctx context.Context, ids []int64, at time.Time) error
	// Close releases the store.
	Close() error
}

// Empty reports whether the batch changes no alert and carries no event.
func (b *Batch) Empty() bool {
	return len(b.Upserts) == 0 && len(b.Deletes) == 0 && len(b.Events) == 0 && len(b.Episodes) == 0
}
