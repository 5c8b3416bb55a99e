package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// Fenced is the store's view of one leadership term: reads as the store's,
// and the writes that can lead to a notification (evaluation batches,
// flushes, consumed events, completed and trimmed notifications) refused
// with state.ErrFenced once the term is over. The leader's evaluator and
// notification pipeline write through it.
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
	return f.s.hold(f.epoch, func() error { return f.s.Commit(ctx, b) })
}

// MarkDelivered marks events consumed if the term is current.
func (f *Fenced) MarkDelivered(ctx context.Context, ids []int64, at time.Time) error {
	return f.s.hold(f.epoch, func() error { return f.s.MarkDelivered(ctx, ids, at) })
}

// ApplyFlush stores a flush if the term is current.
func (f *Fenced) ApplyFlush(ctx context.Context, fl *state.Flush) error {
	return f.s.hold(f.epoch, func() error { return f.s.ApplyFlush(ctx, fl) })
}

// CompleteNotification records a delivery if the term is current.
func (f *Fenced) CompleteNotification(ctx context.Context, n *state.Notification, at time.Time, st map[string]string) error {
	return f.s.hold(f.epoch, func() error { return f.s.CompleteNotification(ctx, n, at, st) })
}

// TrimNotifications bounds an outbox if the term is current.
func (f *Fenced) TrimNotifications(ctx context.Context, receiver, integration string, max int) (int, error) {
	var n int
	err := f.s.hold(f.epoch, func() error {
		var err error
		n, err = f.s.TrimNotifications(ctx, receiver, integration, max)
		return err
	})
	return n, err
}

// ClaimNotification is asked by a sender right before it sends n: nil if
// the term is current and n still pending, state.ErrFenced or
// state.ErrNotPending otherwise.
func (f *Fenced) ClaimNotification(ctx context.Context, n *state.Notification) error {
	return f.s.hold(f.epoch, func() error {
		var pending bool
		err := f.s.db.QueryRowContext(ctx, `SELECT delivered_at IS NULL FROM notifications WHERE id = ?`, n.ID).Scan(&pending)
		switch {
		case errors.Is(err, sql.ErrNoRows) || err == nil && !pending:
			return fmt.Errorf("sqlite state: notification %d: %w", n.ID, state.ErrNotPending)
		case err != nil:
			return fmt.Errorf("sqlite state: claiming notification %d: %w", n.ID, err)
		}
		return nil
	})
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
