package sqlite

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/storetest"
)

// TestMultiRow: the multi-row form keeps the statement around its VALUES
// tuple and repeats the tuple.
func TestMultiRow(t *testing.T) {
	got := multiRow("INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b", 3)
	want := "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b"
	if got != want {
		t.Fatalf("multiRow = %q, want %q", got, want)
	}
}

// TestLargeBatch: a batch of more alerts and events than one multi-row
// statement carries, not a multiple of it, with updates of alerts stored
// before, is stored whole; its events get increasing IDs in batch order
// and are marked consumed by one call.
func TestLargeBatch(t *testing.T) {
	s := openTest(t, "")
	ctx := context.Background()
	n := 3*chunkRows + 17
	first := &state.Batch{Group: "g", EvaluatedAt: t0}
	for i := range 10 {
		first.Upserts = append(first.Upserts, storetest.SampleAlert("r", i))
	}
	commit(t, s, first)
	b := &state.Batch{Group: "g", EvaluatedAt: t0.Add(time.Second)}
	var want []*alert.Alert
	for i := range n {
		a := storetest.SampleAlert("r", i)
		a.Value = float64(i) + 0.5
		a.Annotations = model.LabelSet{"summary": model.LabelValue(fmt.Sprintf("alert %d", i))}
		b.Upserts = append(b.Upserts, a)
		b.Events = append(b.Events, storetest.SampleEvent(alert.EventFiring, a))
		want = append(want, a)
	}
	commit(t, s, b)
	storetest.CheckAlerts(t, s, want...)
	for i := 1; i < n; i++ {
		if b.Events[i].ID <= b.Events[i-1].ID {
			t.Fatalf("event %d has ID %d after %d: not in batch order", i, b.Events[i].ID, b.Events[i-1].ID)
		}
	}
	got, err := s.PendingEvents(ctx, 2*n)
	if err != nil || len(got) != n {
		t.Fatalf("pending events: %d, %v; want %d", len(got), err, n)
	}
	for i, e := range got {
		storetest.CheckEvent(t, e, b.Events[i])
	}
	ids := make([]int64, 0, n)
	for _, e := range b.Events {
		ids = append(ids, e.ID)
	}
	if err := s.MarkDelivered(ctx, slices.Concat(ids, ids[:5]), t0); err != nil {
		t.Fatal(err)
	}
	if d, err := s.OutboxDepth(ctx); err != nil || d != 0 {
		t.Fatalf("outbox depth %d, %v after marking all delivered", d, err)
	}
}

// TestRenewWhileWriting: renewing the term does not wait for a fenced
// write that runs longer than the lease (a storm's commit), while a
// takeover does.
func TestRenewWhileWriting(t *testing.T) {
	s := openTest(t, "")
	ctx := context.Background()
	l, err := s.AcquireLease(ctx, "me", time.Minute)
	if err != nil || !l.Held {
		t.Fatalf("acquire: %+v, %v", l, err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- s.hold(l.Epoch, func() error {
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	renewed := make(chan error, 1)
	go func() {
		_, err := s.RenewLease(ctx, "me", l.Epoch, time.Minute)
		renewed <- err
	}()
	select {
	case err := <-renewed:
		if err != nil {
			t.Errorf("renew during a write: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("renewing the lease waited for the write")
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
}
