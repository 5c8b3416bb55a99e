package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// largeBatch is more alerts and events than one multi-row or array
// statement of either store carries, and not a multiple of any.
const largeBatch = 5317

// testLargeBatch: a storm's batch (thousands of new alerts and their
// events, updates of alerts stored before, an alert listed twice, many
// deletes, an alert both upserted and deleted) is stored whole, as the
// same batch row by row would be: the last listing of an alert wins,
// deletes run last; the events get increasing IDs in batch order and are
// consumed by one MarkDelivered.
func testLargeBatch(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	ctx := context.Background()
	var old []*alert.Alert
	for i := range 200 {
		old = append(old, SampleAlert("old", i))
	}
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: T0, Upserts: old})

	b := &state.Batch{Group: "g", EvaluatedAt: T0.Add(time.Second)}
	want := map[alert.Key]*alert.Alert{}
	for i := range largeBatch {
		a := SampleAlert("new", i)
		a.Value = float64(i) + 0.5
		a.Annotations = model.LabelSet{"summary": model.LabelValue(fmt.Sprintf("alert %d <&>", i))}
		b.Upserts = append(b.Upserts, a)
		b.Events = append(b.Events, SampleEvent(alert.EventFiring, a))
		want[a.Key] = a
	}
	// The first 100 old alerts are updated, the next 100 deleted.
	for _, a := range old[:100] {
		u := a.Clone()
		u.State, u.Value = alert.StateFiring, math.Inf(1)
		b.Upserts = append(b.Upserts, u)
		want[u.Key] = u
	}
	for _, a := range old[100:] {
		b.Deletes = append(b.Deletes, a.Key)
	}
	// Listed twice: the second listing is what stays.
	again := b.Upserts[7].Clone()
	again.Value = -1
	b.Upserts = append(b.Upserts, again)
	want[again.Key] = again
	// Upserted and deleted: deleted.
	gone := b.Upserts[9]
	b.Deletes = append(b.Deletes, gone.Key)
	delete(want, gone.Key)

	commit(t, s, b)
	var all []*alert.Alert
	for _, a := range want {
		all = append(all, a)
	}
	CheckAlerts(t, s, all...)
	for i := 1; i < len(b.Events); i++ {
		if b.Events[i].ID <= b.Events[i-1].ID {
			t.Fatalf("event %d has ID %d after %d: not in batch order", i, b.Events[i].ID, b.Events[i-1].ID)
		}
	}
	got, err := s.PendingEvents(ctx, 2*largeBatch)
	if err != nil || len(got) != largeBatch {
		t.Fatalf("pending events: %d, %v; want %d", len(got), err, largeBatch)
	}
	for i, e := range got {
		CheckEvent(t, e, b.Events[i])
	}
	ids := make([]int64, 0, largeBatch)
	for _, e := range b.Events {
		ids = append(ids, e.ID)
	}
	if err := s.MarkDelivered(ctx, slices.Concat(ids, ids[:5]), T0); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PendingEvents(ctx, 10); err != nil || len(got) != 0 {
		t.Fatalf("pending events after marking all delivered: %d, %v", len(got), err)
	}
}
