package sqlite

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/storetest"
)

// t0 is a base time with nanoseconds, so that truncation would show.
var t0 = storetest.T0

var (
	sampleAlert = storetest.SampleAlert
	sampleEvent = storetest.SampleEvent
	checkAlerts = storetest.CheckAlerts
	checkEvent  = storetest.CheckEvent
)

// openTest opens a store in dir (a fresh temp dir when empty) and closes it
// at the end of the test.
func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := Open(Options{
		Dir:    dir,
		Logger: slog.New(slog.DiscardHandler),
		Now:    func() time.Time { return t0 },
	})
	if err != nil {
		t.Fatalf("Open(%q): %v", dir, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// checkDepth fails the test unless the outbox holds want undelivered events.
func checkDepth(t *testing.T, s *Store, want int) {
	t.Helper()
	got, err := s.OutboxDepth(context.Background())
	if err != nil {
		t.Fatalf("OutboxDepth: %v", err)
	}
	if got != want {
		t.Fatalf("OutboxDepth = %d, want %d", got, want)
	}
}

// checkMarks fails the test unless the group marks are exactly want.
func checkMarks(t *testing.T, s *Store, want ...state.GroupMark) {
	t.Helper()
	got, err := s.LoadGroupMarks(context.Background())
	if err != nil {
		t.Fatalf("LoadGroupMarks: %v", err)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LoadGroupMarks = %v, want %v", got, want)
	}
}

// commit commits b and fails the test on error.
func commit(t testing.TB, s *Store, b *state.Batch) {
	t.Helper()
	if err := s.Commit(context.Background(), b); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}
