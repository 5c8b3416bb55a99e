package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

func acquire(t *testing.T, s Store, holder string, ttl time.Duration) state.Lease {
	t.Helper()
	l, err := s.AcquireLease(context.Background(), holder, ttl)
	if err != nil {
		t.Fatalf("AcquireLease(%s): %v", holder, err)
	}
	return l
}

// testLease: one holder at a time; a new term, with a greater epoch, for
// every acquisition; renewals keep the term; a release frees the lease at
// once; a stale holder or epoch can neither renew nor release.
func testLease(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	if l, err := s.ReadLease(ctx); err != nil || l.Held || l.Holder != "" || l.Epoch != 0 {
		t.Fatalf("ReadLease of a new store = %+v, %v", l, err)
	}
	a := acquire(t, s, "a", time.Hour)
	if !a.Held || a.Holder != "a" || a.Epoch <= 0 || a.Previous != "" || a.Remaining <= 0 || a.Remaining > time.Hour {
		t.Fatalf("first AcquireLease = %+v", a)
	}
	b := acquire(t, s, "b", time.Hour)
	if b.Held || b.Holder != "a" || b.Epoch != a.Epoch || b.Remaining <= 0 {
		t.Fatalf("AcquireLease while a holds it = %+v", b)
	}
	if l, err := s.ReadLease(ctx); err != nil || l.Held || l.Holder != "a" || l.Epoch != a.Epoch {
		t.Fatalf("ReadLease = %+v, %v", l, err)
	}
	r, err := s.RenewLease(ctx, "a", a.Epoch, time.Hour)
	if err != nil || !r.Held || r.Epoch != a.Epoch || r.Holder != "a" {
		t.Fatalf("RenewLease = %+v, %v", r, err)
	}
	for _, bad := range []struct {
		holder string
		epoch  int64
	}{{"b", a.Epoch}, {"a", a.Epoch - 1}, {"a", a.Epoch + 1}} {
		if _, err := s.RenewLease(ctx, bad.holder, bad.epoch, time.Hour); !errors.Is(err, state.ErrFenced) {
			t.Errorf("RenewLease(%s, %d) = %v, want ErrFenced", bad.holder, bad.epoch, err)
		}
		if err := s.ReleaseLease(ctx, bad.holder, bad.epoch); err != nil {
			t.Errorf("ReleaseLease(%s, %d) = %v, want a harmless no-op", bad.holder, bad.epoch, err)
		}
	}
	if l, _ := s.ReadLease(ctx); l.Holder != "a" {
		t.Fatalf("a stale release freed the lease: %+v", l)
	}
	// The holder acquiring again starts a new term.
	a2 := acquire(t, s, "a", time.Hour)
	if !a2.Held || a2.Epoch <= a.Epoch {
		t.Fatalf("AcquireLease by the holder = %+v, want a new term after epoch %d", a2, a.Epoch)
	}
	if _, err := s.RenewLease(ctx, "a", a.Epoch, time.Hour); !errors.Is(err, state.ErrFenced) {
		t.Errorf("renewing the earlier term = %v, want ErrFenced", err)
	}
	// A clean release hands over at once, and is not a takeover.
	if err := s.ReleaseLease(ctx, "a", a2.Epoch); err != nil {
		t.Fatal(err)
	}
	if l, err := s.ReadLease(ctx); err != nil || l.Holder != "" || l.Epoch != a2.Epoch || l.Remaining != 0 {
		t.Fatalf("ReadLease after release = %+v, %v", l, err)
	}
	b = acquire(t, s, "b", time.Hour)
	if !b.Held || b.Epoch <= a2.Epoch || b.Previous != "" {
		t.Fatalf("AcquireLease after a release = %+v", b)
	}
	if _, err := s.RenewLease(ctx, "a", a2.Epoch, time.Hour); !errors.Is(err, state.ErrFenced) {
		t.Errorf("renewing a released term = %v, want ErrFenced", err)
	}
}

// testLeaseExpires: a holder that stops renewing loses the lease to the
// next one that asks, once its time-to-live has passed by the store's
// clock; the takeover names the previous holder, and the old term is over.
func testLeaseExpires(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	a := acquire(t, s, "a", 200*time.Millisecond)
	var b state.Lease
	waitFor(t, "b to take over the expired lease", func() bool {
		b = acquire(t, s, "b", time.Hour)
		return b.Held
	})
	if b.Epoch <= a.Epoch || b.Previous != "a" {
		t.Fatalf("takeover = %+v, want a newer epoch than %d and Previous a", b, a.Epoch)
	}
	if _, err := s.RenewLease(ctx, "a", a.Epoch, time.Hour); !errors.Is(err, state.ErrFenced) {
		t.Errorf("the expired holder renewed: %v", err)
	}
}

// testFencing: every write that can lead to a notification, made in a
// term that is over, is refused with ErrFenced and stores nothing; the
// current term's writes go through.
func testFencing(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	old := acquire(t, s, "old", time.Hour)
	stale := h.Fence(s, old.Epoch)
	a := SampleAlert("r", 1)
	ev := SampleEvent(alert.EventFiring, a)
	commit(t, stale, &state.Batch{Group: "g", EvaluatedAt: T0, Upserts: []*alert.Alert{a}, Events: []*alert.Event{ev}})
	queued := &state.Flush{At: T0, Notifications: []*state.Notification{
		{Receiver: "r", Integration: "w/0", GroupKey: "g", Message: []byte("1"), CreatedAt: T0},
		{Receiver: "r", Integration: "w/0", GroupKey: "g", Message: []byte("2"), CreatedAt: T0},
	}}
	if err := stale.ApplyFlush(ctx, queued); err != nil {
		t.Fatalf("ApplyFlush in the current term: %v", err)
	}

	// Another replica takes over (the old one was paused past its lease).
	if err := s.ReleaseLease(ctx, "old", old.Epoch); err != nil {
		t.Fatal(err)
	}
	cur := acquire(t, s, "new", time.Hour)
	if !cur.Held {
		t.Fatalf("takeover failed: %+v", cur)
	}
	b := SampleAlert("r", 2)
	writes := map[string]func() error{
		"Commit": func() error {
			return stale.Commit(ctx, &state.Batch{Group: "g", EvaluatedAt: T0.Add(time.Minute), Upserts: []*alert.Alert{b},
				Events: []*alert.Event{SampleEvent(alert.EventFiring, b)}, Status: &state.GroupStatus{Group: "g", LastEval: T0}})
		},
		"ApplyFlush": func() error {
			return stale.ApplyFlush(ctx, &state.Flush{At: T0, Nflog: []state.NflogEntry{{Receiver: "r", Integration: "w/0", GroupKey: "g", SentAt: T0}},
				Notifications:  []*state.Notification{{Receiver: "r", Integration: "w/0", GroupKey: "g", Message: []byte("3"), CreatedAt: T0}},
				ConsumedEvents: []int64{ev.ID}})
		},
		"CompleteNotification": func() error {
			return stale.CompleteNotification(ctx, queued.Notifications[0], T0, map[string]string{"k": "v"})
		},
		"MarkDelivered":     func() error { return stale.MarkDelivered(ctx, []int64{ev.ID}, T0) },
		"TrimNotifications": func() error { _, err := stale.TrimNotifications(ctx, "r", "w/0", 0); return err },
		"ClaimNotification": func() error { return stale.ClaimNotification(ctx, queued.Notifications[0]) },
	}
	for name, w := range writes {
		if err := w(); !errors.Is(err, state.ErrFenced) {
			t.Errorf("%s of the deposed term = %v, want ErrFenced", name, err)
		}
	}
	// Nothing of it was stored.
	CheckAlerts(t, s, a)
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: T0})
	checkStatus(t, s)
	if got := pendingIDs(t, s, 10); len(got) != 1 || got[0] != ev.ID {
		t.Errorf("pending events = %v, want [%d]", got, ev.ID)
	}
	if n, _ := s.PendingCount(ctx, "r", "w/0"); n != 2 {
		t.Errorf("pending notifications = %d, want the 2 queued in the old term", n)
	}
	if log, _ := s.LoadNflog(ctx); len(log) != 0 {
		t.Errorf("nflog written by a deposed term: %+v", log)
	}
	if st, _ := s.IntegrationState(ctx, "r", "w/0", "g"); len(st) != 0 {
		t.Errorf("integration state written by a deposed term: %v", st)
	}
	// Reads still work through the stale view.
	if got, err := stale.LoadAlerts(ctx); err != nil || len(got) != 1 {
		t.Errorf("LoadAlerts through a stale view = %d, %v", len(got), err)
	}

	// The current term writes.
	fresh := h.Fence(s, cur.Epoch)
	commit(t, fresh, &state.Batch{Group: "g", EvaluatedAt: T0.Add(time.Minute), Upserts: []*alert.Alert{b}})
	if err := fresh.MarkDelivered(ctx, []int64{ev.ID}, T0); err != nil {
		t.Errorf("MarkDelivered in the current term: %v", err)
	}
	if err := fresh.ClaimNotification(ctx, queued.Notifications[0]); err != nil {
		t.Errorf("ClaimNotification in the current term: %v", err)
	}
	if err := fresh.CompleteNotification(ctx, queued.Notifications[0], T0, nil); err != nil {
		t.Errorf("CompleteNotification in the current term: %v", err)
	}
	if n, err := fresh.TrimNotifications(ctx, "r", "w/0", 0); err != nil || n != 1 {
		t.Errorf("TrimNotifications in the current term = %d, %v", n, err)
	}
	CheckAlerts(t, s, a, b)
}

// testClaimNotification: a sender claims a notification right before it
// sends it; a notification delivered meanwhile (by this replica, or by
// another after a takeover) is ErrNotPending.
func testClaimNotification(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	l := acquire(t, s, "a", time.Hour)
	f := h.Fence(s, l.Epoch)
	fl := &state.Flush{At: T0, Notifications: []*state.Notification{{Receiver: "r", Integration: "w/0", GroupKey: "g", Message: []byte("1"), CreatedAt: T0}}}
	if err := f.ApplyFlush(ctx, fl); err != nil {
		t.Fatal(err)
	}
	n := fl.Notifications[0]
	if err := f.ClaimNotification(ctx, n); err != nil {
		t.Fatalf("ClaimNotification of a pending notification: %v", err)
	}
	if err := f.CompleteNotification(ctx, n, T0, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.ClaimNotification(ctx, n); !errors.Is(err, state.ErrNotPending) {
		t.Errorf("ClaimNotification of a delivered notification = %v, want ErrNotPending", err)
	}
	gone := &state.Notification{ID: n.ID + 1000, Receiver: "r", Integration: "w/0", GroupKey: "g"}
	if err := f.ClaimNotification(ctx, gone); !errors.Is(err, state.ErrNotPending) {
		t.Errorf("ClaimNotification of an unknown notification = %v, want ErrNotPending", err)
	}
}
