package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// Fenced is the store's view of one leadership term: reads as the store's,
// and the writes that can lead to a notification (evaluation batches,
// flushes, consumed events, completed and trimmed notifications) checked
// against the lease's epoch in their own transaction, and refused with
// state.ErrFenced once another term began. The leader's evaluator and
// notification pipeline write through it, so that a leader paused past its
// lease (GC, SIGSTOP, a slow disk) cannot commit after it resumes.
type Fenced struct {
	s     *Store
	epoch int64
}

var (
	_ state.Store       = (*Fenced)(nil)
	_ state.NotifyStore = (*Fenced)(nil)
)

// Fenced returns the view of the term with epoch (from AcquireLease).
func (s *Store) Fenced(epoch int64) *Fenced { return &Fenced{s: s, epoch: epoch} }

// Epoch is the term's fencing token.
func (f *Fenced) Epoch() int64 { return f.epoch }

// Commit commits b if the term is current.
func (f *Fenced) Commit(ctx context.Context, b *state.Batch) error {
	return f.s.commit(ctx, b, f.epoch)
}

// MarkDelivered marks events consumed if the term is current.
func (f *Fenced) MarkDelivered(ctx context.Context, ids []int64, at time.Time) error {
	return f.s.markDelivered(ctx, ids, at, f.epoch)
}

// ApplyFlush stores a flush if the term is current.
func (f *Fenced) ApplyFlush(ctx context.Context, fl *state.Flush) error {
	return f.s.applyFlush(ctx, fl, f.epoch)
}

// CompleteNotification records a delivery if the term is current.
func (f *Fenced) CompleteNotification(ctx context.Context, n *state.Notification, at time.Time, st map[string]string) error {
	return f.s.completeNotification(ctx, n, at, st, f.epoch)
}

// TrimNotifications bounds an outbox if the term is current.
func (f *Fenced) TrimNotifications(ctx context.Context, receiver, integration string, max int) (int, error) {
	return f.s.trimNotifications(ctx, receiver, integration, max, f.epoch)
}

// ClaimNotification is asked by a sender right before it sends n: nil if
// the term is current and n still pending, state.ErrFenced or
// state.ErrNotPending otherwise. It reads; what a leader paused between the
// claim and its request sends anyway is the one duplicate a pause can
// cause.
func (f *Fenced) ClaimNotification(ctx context.Context, n *state.Notification) error {
	var (
		current bool
		pending *bool
	)
	err := f.s.pool.QueryRow(ctx, `SELECT l.epoch = $2 AND l.holder <> '',
		(SELECT delivered_at IS NULL FROM notifications WHERE id = $1) FROM lease l`, n.ID, f.epoch).Scan(&current, &pending)
	switch {
	case err != nil && !errors.Is(err, pgx.ErrNoRows):
		return wrap(ctx, err, "claiming notification %d", n.ID)
	case !current:
		return fmt.Errorf("postgres state: claiming notification %d: term %d is over: %w", n.ID, f.epoch, state.ErrFenced)
	case pending == nil || !*pending:
		return fmt.Errorf("postgres state: notification %d: %w", n.ID, state.ErrNotPending)
	}
	return nil
}

// LoadAlerts reads as the store does.
func (f *Fenced) LoadAlerts(ctx context.Context) ([]*alert.Alert, error) { return f.s.LoadAlerts(ctx) }

// LoadGroupMarks reads as the store does.
func (f *Fenced) LoadGroupMarks(ctx context.Context) ([]state.GroupMark, error) {
	return f.s.LoadGroupMarks(ctx)
}

// PendingEvents reads as the store does.
func (f *Fenced) PendingEvents(ctx context.Context, limit int) ([]*alert.Event, error) {
	return f.s.PendingEvents(ctx, limit)
}

// LoadNflog reads as the store does.
func (f *Fenced) LoadNflog(ctx context.Context) ([]state.NflogEntry, error) {
	return f.s.LoadNflog(ctx)
}

// LoadEscalations reads as the store does.
func (f *Fenced) LoadEscalations(ctx context.Context) ([]state.EscalationState, error) {
	return f.s.LoadEscalations(ctx)
}

// PendingNotifications reads as the store does.
func (f *Fenced) PendingNotifications(ctx context.Context, receiver, integration string, limit int, skipGroups ...string) ([]*state.Notification, error) {
	return f.s.PendingNotifications(ctx, receiver, integration, limit, skipGroups...)
}

// IntegrationState reads as the store does.
func (f *Fenced) IntegrationState(ctx context.Context, receiver, integration, groupKey string) (map[string]string, error) {
	return f.s.IntegrationState(ctx, receiver, integration, groupKey)
}

// NotificationDepth reads as the store does.
func (f *Fenced) NotificationDepth(ctx context.Context) (map[string]int, error) {
	return f.s.NotificationDepth(ctx)
}

// PendingCount reads as the store does.
func (f *Fenced) PendingCount(ctx context.Context, receiver, integration string) (int, error) {
	return f.s.PendingCount(ctx, receiver, integration)
}

// Close does nothing: the term does not own the store.
func (f *Fenced) Close() error { return nil }
