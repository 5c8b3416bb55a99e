package sim

import (
	"context"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/state"
)

func TestStoreKeepsEventsOnlyForAConsumer(t *testing.T) {
	ctx := context.Background()
	s := NewStore()
	a := &alert.Alert{Key: alert.Key{RuleID: "r", ID: 1}, State: alert.StateFiring}
	b := &state.Batch{Group: "g", EvaluatedAt: time.Unix(60, 0), Upserts: []*alert.Alert{a},
		Events: []*alert.Event{{Kind: alert.EventFiring, Alert: *a}}}
	if err := s.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	if evs, _ := s.PendingEvents(ctx, 10); len(evs) != 0 {
		t.Fatalf("events kept without a consumer: %v", evs)
	}
	a.State = alert.StateInactive // the store holds a copy
	if as, _ := s.LoadAlerts(ctx); len(as) != 1 || as[0].State != alert.StateFiring {
		t.Fatalf("alerts %v", as)
	}
	if marks, _ := s.LoadGroupMarks(ctx); len(marks) != 1 || !marks[0].LastEvalAt.Equal(time.Unix(60, 0)) {
		t.Fatalf("marks %v", marks)
	}

	var got []string
	s.Attach(func(n *state.Notification, m *notifiers.Message) { got = append(got, n.Receiver+" "+m.GroupKey) })
	b = &state.Batch{Group: "g", Deletes: []alert.Key{a.Key}, Events: []*alert.Event{{Kind: alert.EventResolved}, {Kind: alert.EventFiring}}}
	if err := s.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	evs, _ := s.PendingEvents(ctx, 1)
	if len(evs) != 1 || evs[0].ID != 2 {
		t.Fatalf("pending %v", evs)
	}
	if err := s.MarkDelivered(ctx, []int64{2}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if evs, _ := s.PendingEvents(ctx, 10); len(evs) != 1 || evs[0].ID != 3 {
		t.Fatalf("pending after delivery %v", evs)
	}
	if as, _ := s.LoadAlerts(ctx); len(as) != 0 {
		t.Fatalf("deleted alert kept: %v", as)
	}
	msg, _ := notifiers.EncodeMessage(&notifiers.Message{Receiver: "r", GroupKey: "{}:{}"})
	if err := s.ApplyFlush(ctx, &state.Flush{Notifications: []*state.Notification{{Receiver: "r", Message: msg}, {Receiver: "x", Message: []byte("{")}}}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "r {}:{}" || s.Err() == nil {
		t.Fatalf("notifications %v, decode error %v", got, s.Err())
	}
}
