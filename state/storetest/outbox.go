package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// fillOutbox commits n events in one batch and returns them with their IDs.
func fillOutbox(t *testing.T, s state.Store, n int) []*alert.Event {
	t.Helper()
	evs := make([]*alert.Event, n)
	for i := range evs {
		evs[i] = SampleEvent(alert.EventFiring, SampleAlert("r", i))
	}
	commit(t, s, &state.Batch{Group: "g", Events: evs})
	return evs
}

// pendingIDs returns the IDs PendingEvents(limit) returns.
func pendingIDs(t *testing.T, s state.Store, limit int) []int64 {
	t.Helper()
	evs, err := s.PendingEvents(context.Background(), limit)
	if err != nil {
		t.Fatalf("PendingEvents(%d): %v", limit, err)
	}
	ids := make([]int64, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}

func testPendingEventsLimit(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	evs := fillOutbox(t, s, 5)
	ids := make([]int64, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	for _, tt := range []struct {
		limit int
		want  []int64
	}{
		{-1, nil},
		{0, nil},
		{1, ids[:1]},
		{3, ids[:3]},
		{5, ids},
		{100, ids},
	} {
		if got := pendingIDs(t, s, tt.limit); !slices.Equal(got, tt.want) {
			t.Errorf("PendingEvents(%d) IDs = %v, want %v", tt.limit, got, tt.want)
		}
	}
}

func testMarkDelivered(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	evs := fillOutbox(t, s, 5)
	checkDepth(t, s, 5)

	// Out of order, with an unknown id: the others are still marked.
	if err := s.MarkDelivered(ctx, []int64{evs[3].ID, evs[0].ID, 999_999}, T0); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	checkDepth(t, s, 3)
	if got, want := pendingIDs(t, s, 10), []int64{evs[1].ID, evs[2].ID, evs[4].ID}; !slices.Equal(got, want) {
		t.Errorf("pending IDs = %v, want %v", got, want)
	}

	// Marking again is harmless and keeps the first delivery time, which
	// PruneDelivered then ages the row by.
	if err := s.MarkDelivered(ctx, []int64{evs[0].ID}, T0.Add(time.Hour)); err != nil {
		t.Fatalf("MarkDelivered again: %v", err)
	}
	checkDepth(t, s, 3)
	if err := s.MarkDelivered(ctx, nil, T0); err != nil {
		t.Errorf("MarkDelivered(nil): %v", err)
	}
	if err := s.MarkDelivered(ctx, []int64{evs[1].ID}, time.Time{}); err == nil {
		t.Error("MarkDelivered at the zero time succeeded, want an error")
	}
	checkDepth(t, s, 3)
	if n, err := s.PruneDelivered(ctx, T0.Add(time.Nanosecond)); err != nil || n != 2 {
		t.Errorf("PruneDelivered after marking = %d, %v; want the 2 delivered at T0", n, err)
	}

	// New events queue behind the remaining ones.
	more := fillOutbox(t, s, 1)
	if got, want := pendingIDs(t, s, 10), []int64{evs[1].ID, evs[2].ID, evs[4].ID, more[0].ID}; !slices.Equal(got, want) {
		t.Errorf("pending IDs = %v, want %v", got, want)
	}
}

func testPruneDelivered(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	evs := fillOutbox(t, s, 4)
	mark := func(at time.Time, ids ...int64) {
		t.Helper()
		if err := s.MarkDelivered(ctx, ids, at); err != nil {
			t.Fatalf("MarkDelivered: %v", err)
		}
	}
	mark(T0, evs[0].ID)
	mark(T0.Add(time.Hour), evs[1].ID)
	// evs[2] and evs[3] stay undelivered.

	for _, tt := range []struct {
		cutoff time.Time
		want   int64
	}{
		{time.Time{}, 0},
		{T0, 0}, // strictly older than the cutoff
		{T0.Add(time.Nanosecond), 1},
		{T0.Add(time.Nanosecond), 0},
		{T0.Add(1000 * time.Hour), 1}, // never the undelivered ones
	} {
		n, err := s.PruneDelivered(ctx, tt.cutoff)
		if err != nil {
			t.Fatalf("PruneDelivered(%v): %v", tt.cutoff, err)
		}
		if n != tt.want {
			t.Errorf("PruneDelivered(%v) = %d, want %d", tt.cutoff, n, tt.want)
		}
	}
	checkDepth(t, s, 2)

	// Pruning the newest rows does not let their ids come back: notifiers
	// may deduplicate by id.
	mark(T0, evs[2].ID, evs[3].ID)
	if _, err := s.PruneDelivered(ctx, T0.Add(time.Hour)); err != nil {
		t.Fatalf("PruneDelivered: %v", err)
	}
	next := fillOutbox(t, s, 1)
	if next[0].ID <= evs[3].ID {
		t.Errorf("ID after pruning = %d, want > %d", next[0].ID, evs[3].ID)
	}
}
