package sim

import (
	"context"
	"sync"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/state"
)

// Store keeps alert state and the event outbox in memory, and takes the
// dispatcher's flushes. It implements state.Store, notifiers.EventSource
// and state.NotifyStore. Memory stays bounded: events are kept only while
// a consumer is attached (and until it consumes them), and notifications
// are handed to OnNotification, not kept.
type Store struct {
	mu     sync.Mutex
	alerts map[alert.Key]*alert.Alert
	marks  map[string]time.Time
	events []*alert.Event
	nextID int64
	// queue: a dispatcher reads the events (see Attach).
	queue bool
	// onNotification receives what each flush queued.
	onNotification func(*state.Notification, *notifiers.Message)
	// decodeErr is the first notification that could not be decoded.
	decodeErr error
}

var (
	_ state.Store           = (*Store)(nil)
	_ state.NotifyStore     = (*Store)(nil)
	_ notifiers.EventSource = (*Store)(nil)
)

// NewStore returns an empty store that drops events until Attach.
func NewStore() *Store {
	return &Store{alerts: map[alert.Key]*alert.Alert{}, marks: map[string]time.Time{}}
}

// Attach makes the store keep events for a dispatcher, and hands every
// notification a flush queues to fn.
func (s *Store) Attach(fn func(*state.Notification, *notifiers.Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue, s.onNotification = true, fn
}

// LoadAlerts implements state.Store.
func (s *Store) LoadAlerts(context.Context) ([]*alert.Alert, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*alert.Alert, 0, len(s.alerts))
	for _, a := range s.alerts {
		out = append(out, a.Clone())
	}
	return out, nil
}

// LoadGroupMarks implements state.Store.
func (s *Store) LoadGroupMarks(context.Context) ([]state.GroupMark, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]state.GroupMark, 0, len(s.marks))
	for g, t := range s.marks {
		out = append(out, state.GroupMark{Group: g, LastEvalAt: t})
	}
	return out, nil
}

// Commit implements state.Store. Alerts are stored as copies, since the
// evaluator keeps changing its own.
func (s *Store) Commit(_ context.Context, b *state.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !b.EvaluatedAt.IsZero() {
		s.marks[b.Group] = b.EvaluatedAt
	}
	for _, a := range b.Upserts {
		s.alerts[a.Key] = a.Clone()
	}
	for _, k := range b.Deletes {
		delete(s.alerts, k)
	}
	for _, e := range b.Events {
		s.nextID++
		e.ID = s.nextID
		if s.queue {
			s.events = append(s.events, e)
		}
	}
	return nil
}

// PendingEvents implements state.Store.
func (s *Store) PendingEvents(_ context.Context, limit int) ([]*alert.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(limit, len(s.events))
	return append([]*alert.Event(nil), s.events[:n]...), nil
}

// MarkDelivered implements state.Store: the events are forgotten.
func (s *Store) MarkDelivered(_ context.Context, ids []int64, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	done := make(map[int64]bool, len(ids))
	for _, id := range ids {
		done[id] = true
	}
	kept := s.events[:0]
	for _, e := range s.events {
		if !done[e.ID] {
			kept = append(kept, e)
		}
	}
	clear(s.events[len(kept):])
	s.events = kept
	return nil
}

// Close implements state.Store.
func (s *Store) Close() error { return nil }

// LoadNflog implements state.NotifyStore: a simulation starts afresh.
func (s *Store) LoadNflog(context.Context) ([]state.NflogEntry, error) { return nil, nil }

// LoadEscalations implements state.NotifyStore.
func (s *Store) LoadEscalations(context.Context) ([]state.EscalationState, error) {
	return nil, nil
}

// ApplyFlush implements state.NotifyStore: the dispatcher keeps its own
// notification log in memory; the queued notifications go to the
// attached function.
func (s *Store) ApplyFlush(_ context.Context, f *state.Flush) error {
	s.mu.Lock()
	fn := s.onNotification
	s.mu.Unlock()
	if fn == nil {
		return nil
	}
	for _, n := range f.Notifications {
		m, err := notifiers.DecodeMessage(n.Message)
		if err != nil {
			s.mu.Lock()
			if s.decodeErr == nil {
				s.decodeErr = err
			}
			s.mu.Unlock()
			continue
		}
		fn(n, m)
	}
	return nil
}

// Err returns the first notification that could not be read back, if any.
func (s *Store) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.decodeErr
}

// PendingNotifications implements state.NotifyStore: nothing is delivered.
func (s *Store) PendingNotifications(context.Context, string, string, int, ...string) ([]*state.Notification, error) {
	return nil, nil
}

// CompleteNotification implements state.NotifyStore.
func (s *Store) CompleteNotification(context.Context, *state.Notification, time.Time, map[string]string) error {
	return nil
}

// IntegrationState implements state.NotifyStore.
func (s *Store) IntegrationState(context.Context, string, string, string) (map[string]string, error) {
	return nil, nil
}

// TrimNotifications implements state.NotifyStore: there is no outbox.
func (s *Store) TrimNotifications(context.Context, string, string, int) (int, error) { return 0, nil }

// NotificationDepth implements state.NotifyStore.
func (s *Store) NotificationDepth(context.Context) (map[string]int, error) { return nil, nil }

// PendingCount implements state.NotifyStore.
func (s *Store) PendingCount(context.Context, string, string) (int, error) { return 0, nil }
