package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// t0 is a base time with nanoseconds, so that truncation would show.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

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

// sampleAlert returns a distinct, fully populated alert.
func sampleAlert(rule string, i int) *alert.Alert {
	ls := model.LabelSet{
		"alertname": model.LabelValue(rule),
		"instance":  model.LabelValue(fmt.Sprintf("host-%d:9100", i)),
		"severity":  "warning",
	}
	return &alert.Alert{
		Key:              alert.Key{RuleID: rule, ID: ls.Fingerprint()},
		Labels:           ls,
		Annotations:      model.LabelSet{"summary": model.LabelValue(fmt.Sprintf("disk %d is full", i))},
		State:            alert.StateFiring,
		Value:            float64(i) + 0.5,
		GeneratorURL:     "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
		ActiveAt:         t0.Add(time.Duration(i) * time.Second),
		FiredAt:          t0.Add(time.Duration(i)*time.Second + time.Minute),
		LastEvalAt:       t0.Add(time.Hour),
		SeverityRaisedAt: t0.Add(time.Duration(i) * time.Nanosecond),
		EndsAt:           t0.Add(2*time.Hour + time.Duration(i)*time.Millisecond),
	}
}

// sampleEvent returns an event about a.
func sampleEvent(kind alert.EventKind, a *alert.Alert) *alert.Event {
	return &alert.Event{Kind: kind, At: a.LastEvalAt, Alert: *a.Clone()}
}

// equalAlert reports whether a and b are equal field by field, comparing
// values by their bits so that NaN equals NaN, and times with ==, so that
// a location or monotonic reading that did not round-trip shows.
func equalAlert(a, b *alert.Alert) bool {
	if math.Float64bits(a.Value) != math.Float64bits(b.Value) {
		return false
	}
	x, y := *a, *b
	x.Value, y.Value = 0, 0
	return reflect.DeepEqual(x, y)
}

// checkAlerts fails the test unless the store holds exactly want, in
// LoadAlerts order (rule, then fingerprint as int64).
func checkAlerts(t *testing.T, s *Store, want ...*alert.Alert) {
	t.Helper()
	got, err := s.LoadAlerts(context.Background())
	if err != nil {
		t.Fatalf("LoadAlerts: %v", err)
	}
	byKey := make(map[alert.Key]*alert.Alert, len(got))
	for _, a := range got {
		byKey[a.Key] = a
	}
	if len(got) != len(want) || len(byKey) != len(got) {
		t.Fatalf("LoadAlerts returned %d alerts (%d keys), want %d", len(got), len(byKey), len(want))
	}
	for _, w := range want {
		g, ok := byKey[w.Key]
		if !ok {
			t.Errorf("alert %v missing", w.Key)
			continue
		}
		if !equalAlert(g, w) {
			t.Errorf("alert %v:\n got %+v\nwant %+v", w.Key, *g, *w)
		}
	}
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
