package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

func TestOpenCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "with space", "a?b#c%d", "state")
	s := openTest(t, dir)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("Stat(%s): %v", dir, err)
	}
	if perm := fi.Mode().Perm(); perm&^0o750 != 0 {
		t.Errorf("dir mode = %v, want at most 0750", perm)
	}
	// The odd characters must not have been read as URI syntax.
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatalf("database file: %v", err)
	}
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: t0})
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: t0})
}

func TestOpenRejectsEmptyDir(t *testing.T) {
	if s, err := Open(Options{}); err == nil {
		s.Close()
		t.Fatal("Open with no Dir succeeded")
	}
}

func TestPragmas(t *testing.T) {
	s := openTest(t, "")
	for _, tt := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"busy_timeout", "5000"},
		{"temp_store", "2"}, // MEMORY
		{"cache_size", strconv.Itoa(-cacheKiB)},
		{"user_version", strconv.Itoa(len(migrations()))},
	} {
		var got string
		if err := s.db.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}
}

// TestRestart commits, closes and reopens: everything must be there.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	a, b := sampleAlert("r", 1), sampleAlert("r", 2)
	evs := []*alert.Event{sampleEvent(alert.EventFiring, a), sampleEvent(alert.EventFiring, b)}
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: t0, Upserts: []*alert.Alert{a, b}, Events: evs})
	if err := s.MarkDelivered(context.Background(), []int64{evs[0].ID}, t0); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Close checkpoints: the WAL, if still there, is empty.
	if fi, err := os.Stat(filepath.Join(dir, FileName+"-wal")); err == nil && fi.Size() != 0 {
		t.Errorf("WAL holds %d bytes after Close, want 0", fi.Size())
	}

	s = openTest(t, dir)
	checkAlerts(t, s, a, b)
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: t0})
	checkDepth(t, s, 1)
	got, err := s.PendingEvents(context.Background(), 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("PendingEvents = %d events, %v; want 1", len(got), err)
	}
	checkEvent(t, got[0], evs[1])
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	s := openTest(t, "")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.LoadAlerts(context.Background()); err == nil {
		t.Error("LoadAlerts after Close succeeded")
	}
	if err := s.Commit(context.Background(), &state.Batch{Group: "g", EvaluatedAt: t0}); err == nil {
		t.Error("Commit after Close succeeded")
	}
}

// TestCanceledContext checks that every call gives up on a done context.
func TestCanceledContext(t *testing.T) {
	s := openTest(t, "")
	evs := []*alert.Event{sampleEvent(alert.EventFiring, sampleAlert("r", 1))}
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: t0, Upserts: []*alert.Alert{sampleAlert("r", 1)}, Events: evs})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"LoadAlerts":     func() error { _, err := s.LoadAlerts(ctx); return err },
		"LoadGroupMarks": func() error { _, err := s.LoadGroupMarks(ctx); return err },
		"Commit":         func() error { return s.Commit(ctx, &state.Batch{Group: "g", EvaluatedAt: t0.Add(time.Hour)}) },
		"PendingEvents":  func() error { _, err := s.PendingEvents(ctx, 10); return err },
		"MarkDelivered":  func() error { return s.MarkDelivered(ctx, []int64{evs[0].ID}, t0) },
		"OutboxDepth":    func() error { _, err := s.OutboxDepth(ctx); return err },
		"PruneDelivered": func() error { _, err := s.PruneDelivered(ctx, t0.Add(time.Hour)); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: err = %v, want context.Canceled", name, err)
		}
	}
	checkDepth(t, s, 1)
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: t0})
}

// openRaw opens the database file without migrating it.
func openRaw(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName)))
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	db := openRaw(t, t.TempDir())
	steps := migrations()

	from, to, err := migrate(ctx, db, steps[:2])
	if err != nil || from != 0 || to != 2 {
		t.Fatalf("migrate to 2 = %d, %d, %v; want 0, 2, nil", from, to, err)
	}
	// A later build adds steps; only the new ones run.
	from, to, err = migrate(ctx, db, steps)
	if err != nil || from != 2 || to != len(steps) {
		t.Fatalf("migrate to %d = %d, %d, %v; want 2, %d, nil", len(steps), from, to, err, len(steps))
	}
	from, to, err = migrate(ctx, db, steps)
	if err != nil || from != to {
		t.Fatalf("migrate when current = %d, %d, %v; want no change", from, to, err)
	}

	// A failing step leaves the version and the earlier new steps undone.
	bad := append(append([]string{}, steps...), "CREATE TABLE extra (x INTEGER)", "NOT SQL")
	if _, _, err := migrate(ctx, db, bad); err == nil {
		t.Fatal("migrate with a bad step succeeded")
	}
	var v, n int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(steps) {
		t.Errorf("user_version after a failed migration = %d, %v; want %d", v, err, len(steps))
	}
	if err := db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table of a failed migration exists (%d, %v)", n, err)
	}

	// An older build refuses the newer database.
	_, _, err = migrate(ctx, db, steps[:3])
	var verr *SchemaVersionError
	if !errors.As(err, &verr) || verr.Have != len(steps) || verr.Want != 3 {
		t.Fatalf("migrate with fewer steps: err = %v, want SchemaVersionError{%d, 3}", err, len(steps))
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	if _, err := openRaw(t, dir).Exec("PRAGMA user_version = 1000"); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Dir: dir})
	var verr *SchemaVersionError
	if !errors.As(err, &verr) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a newer database: err = %v, want a SchemaVersionError", err)
	}
}

// TestQueryPlans guards the indexes: the outbox reads must not scan
// delivered rows.
func TestQueryPlans(t *testing.T) {
	s := openTest(t, "")
	for _, tt := range []struct {
		query string
		args  []any
		index string
	}{
		{pendingEventsSQL, []any{10}, "outbox_undelivered"},
		{outboxDepthSQL, nil, "outbox_undelivered"},
		{pruneDeliveredSQL, []any{1}, "outbox_delivered_at"},
		{markDeliveredManySQL, []any{1, "[1,2]"}, "INTEGER PRIMARY KEY"},
	} {
		rows, err := s.db.Query("EXPLAIN QUERY PLAN "+tt.query, tt.args...)
		if err != nil {
			t.Fatalf("EXPLAIN %s: %v", tt.query, err)
		}
		var plan string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan += detail + "\n"
		}
		rows.Close()
		if !strings.Contains(plan, tt.index) {
			t.Errorf("plan of %q does not use %s:\n%s", tt.query, tt.index, plan)
		}
	}
}

// TestConcurrentUse commits from several goroutines while another drains
// the outbox, as the evaluator's groups and a deliverer do.
func TestConcurrentUse(t *testing.T) {
	const writers, perWriter = 4, 25
	s := openTest(t, "")
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				a := sampleAlert(fmt.Sprintf("w%d", w), i)
				if err := s.Commit(ctx, &state.Batch{
					Group: fmt.Sprintf("g%d", w), EvaluatedAt: t0.Add(time.Duration(i+1) * time.Second),
					Upserts: []*alert.Alert{a},
					Events:  []*alert.Event{sampleEvent(alert.EventFiring, a)},
				}); err != nil {
					t.Errorf("Commit: %v", err)
					return
				}
			}
		})
	}
	delivered := 0
	for delivered < writers*perWriter && !t.Failed() {
		evs, err := s.PendingEvents(ctx, 10)
		if err != nil {
			t.Fatalf("PendingEvents: %v", err)
		}
		ids := make([]int64, len(evs))
		for i, e := range evs {
			ids[i] = e.ID
		}
		if err := s.MarkDelivered(ctx, ids, t0); err != nil {
			t.Fatalf("MarkDelivered: %v", err)
		}
		delivered += len(ids)
	}
	wg.Wait()
	checkDepth(t, s, 0)
	got, err := s.LoadAlerts(ctx)
	if err != nil || len(got) != writers*perWriter {
		t.Fatalf("LoadAlerts = %d alerts, %v; want %d", len(got), err, writers*perWriter)
	}
}
