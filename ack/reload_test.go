package ack_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
)

// TestReloadSeesAnotherReplicasAcks: an acknowledgement made on one
// replica covers the alert on another once it reloads, and tells it
// (OnChange) so that its dispatcher acts at once.
func TestReloadSeesAnotherReplicasAcks(t *testing.T) {
	ctx := context.Background()
	a, st := open(t, t.TempDir())
	var changes atomic.Int64
	b, err := ack.New(ctx, ack.Options{Store: st, OnChange: func() { changes.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	al := firing("x")
	k, err := a.Create(ctx, ack.Request{By: "alice"}, []*alert.Alert{al}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Acknowledged(al, t0.Add(time.Minute)); ok {
		t.Fatal("b acknowledged before reloading")
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got, ok := b.Acknowledged(al, t0.Add(time.Minute)); !ok || got.By != "alice" || changes.Load() != 1 {
		t.Fatalf("after reload: %+v %v, OnChange called %d times", got, ok, changes.Load())
	}
	if err := a.Delete(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Acknowledged(al, t0.Add(time.Minute)); ok || b.Len() != 0 {
		t.Fatal("b still acknowledged after a withdrew it")
	}
}
