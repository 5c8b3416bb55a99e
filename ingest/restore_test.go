package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/sqlite"
)

func openSQLite(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// Pushed alerts live in the state store: after a restart they are firing
// still, with their times, and nothing is notified again.
func TestRestartKeepsPushedAlerts(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().Truncate(time.Millisecond)
	{
		st := openSQLite(t, dir)
		in := restored(t, st, now)
		push(t, in, now, pa("Kept", "a", now.Add(-time.Hour), now.Add(time.Hour)), pa("Soon", "b", now, now.Add(time.Minute)))
		evs, err := st.PendingEvents(context.Background(), 10)
		if err != nil || len(evs) != 2 {
			t.Fatalf("pending events %d, %v", len(evs), err)
		}
		ids := []int64{evs[0].ID, evs[1].ID}
		if err := st.MarkDelivered(context.Background(), ids, now); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	st := openSQLite(t, dir)
	restart := now.Add(30 * time.Second)
	in := restored(t, st, restart)
	as := in.Alerts()
	if len(as) != 2 {
		t.Fatalf("%d alerts after the restart, want 2", len(as))
	}
	byName := map[string]*alert.Alert{}
	for _, a := range as {
		byName[string(a.Labels["alertname"])] = a
	}
	kept := byName["Kept"]
	if kept == nil || !kept.FiredAt.Equal(now.Add(-time.Hour)) || !kept.EndsAt.Equal(now.Add(time.Hour)) || kept.Annotations["summary"] != "Kept on a" {
		t.Fatalf("Kept after the restart: %+v", kept)
	}
	// Soon would have ended 30s after the restart, while the re-sends that
	// would have refreshed it were lost: it gets resolve_timeout of grace.
	if soon := byName["Soon"]; soon == nil || !soon.EndsAt.Equal(restart.Add(DefaultResolveTimeout)) {
		t.Fatalf("Soon after the restart: %+v", soon)
	}
	if _, err := in.Sweep(context.Background(), restart.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if evs, _ := st.PendingEvents(context.Background(), 10); len(evs) != 0 {
		t.Fatalf("the restart emitted %d events", len(evs))
	}
	// Unrefreshed, it resolves once the grace is over.
	if _, err := in.Sweep(context.Background(), restart.Add(DefaultResolveTimeout)); err != nil {
		t.Fatal(err)
	}
	evs, _ := st.PendingEvents(context.Background(), 10)
	if len(evs) != 1 || evs[0].Kind != alert.EventResolved || evs[0].Alert.Labels["alertname"] != "Soon" {
		t.Fatalf("events after the grace: %+v", evs)
	}
}

// A store that does not keep EndsAt (say, one written before the column
// existed) still restores firing alerts: they get the grace as end.
func TestRestoreWithoutEndsAt(t *testing.T) {
	st := newMemStore()
	a := pa("Old", "x", t0, time.Time{})
	rec := &alert.Alert{Key: alert.Key{RuleID: alert.PushedRuleID, ID: a.Labels.Fingerprint()}, Labels: a.Labels,
		State: alert.StateFiring, ActiveAt: t0, FiredAt: t0, LastEvalAt: t0}
	other := &alert.Alert{Key: alert.Key{RuleID: "rules.yml;g/A", ID: 1}, Labels: a.Labels, State: alert.StateFiring}
	if err := st.Commit(context.Background(), &state.Batch{Upserts: []*alert.Alert{rec, other}}); err != nil {
		t.Fatal(err)
	}
	in := restored(t, st, t0.Add(time.Hour))
	as := in.Alerts()
	if len(as) != 1 || !as[0].EndsAt.Equal(t0.Add(time.Hour+DefaultResolveTimeout)) {
		t.Fatalf("restored: %+v (only the pushed alert, with the grace as end)", as)
	}
}
