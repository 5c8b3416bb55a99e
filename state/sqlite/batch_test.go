package sqlite

import (
	"context"
	"testing"
	"time"
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
