package ingest

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alerter/alerter/alert"
)

// An alert pushed without endsAt lives resolve_timeout past its last
// receipt; re-sends refresh it; when its end passes, Run resolves it with
// one resolved event; after the retention it is forgotten.
func TestResolveTimeoutTimeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		in := newTestIngester(t, st, func(o *Options) {
			o.ResolveTimeout = 5 * time.Minute
			o.ResolvedRetention = 15 * time.Minute
		})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		start := time.Now()
		if err := in.Restore(ctx, start); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { defer close(done); in.Run(ctx) }()

		push(t, in, time.Now(), pa("NoEnd", "a", time.Time{}, time.Time{}))
		synctest.Wait()
		if got := st.takeEvents(); got != "firing:NoEnd" {
			t.Fatalf("events after the push: %q", got)
		}
		first := in.Alerts()[0]
		if !first.FiredAt.Equal(start) || !first.EndsAt.Equal(start.Add(5*time.Minute)) {
			t.Fatalf("startsAt %v endsAt %v, want now and now+5m", first.FiredAt, first.EndsAt)
		}

		// Re-sent every minute for 4 minutes: it stays firing, once.
		for range 4 {
			time.Sleep(time.Minute)
			push(t, in, time.Now(), pa("NoEnd", "a", time.Time{}, time.Time{}))
		}
		synctest.Wait()
		if got := st.takeEvents(); got != "" {
			t.Fatalf("re-sends emitted %q", got)
		}
		a := in.Alerts()[0]
		if !a.FiredAt.Equal(start) || !a.EndsAt.Equal(start.Add(9*time.Minute)) || !a.LastEvalAt.Equal(start.Add(4*time.Minute)) {
			t.Fatalf("after re-sends: startsAt %v endsAt %v updated %v", a.FiredAt.Sub(start), a.EndsAt.Sub(start), a.LastEvalAt.Sub(start))
		}

		// No more re-sends: just before the end it still fires, at the end
		// it resolves, once.
		time.Sleep(5*time.Minute - time.Nanosecond)
		synctest.Wait()
		if got := firingNames(in); got != "NoEnd/a" {
			t.Fatalf("resolved before its end: firing %q", got)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if got := st.takeEvents(); got != "resolved:NoEnd" {
			t.Fatalf("events at endsAt: %q", got)
		}
		if got := firingNames(in); got != "" {
			t.Fatalf("still firing after its end: %q", got)
		}
		stored := st.stored()
		if len(stored) != 1 || stored[0].State != alert.StateInactive || !stored[0].ResolvedAt.Equal(start.Add(9*time.Minute)) {
			t.Fatalf("stored after resolution: %+v", stored)
		}
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if got := st.takeEvents(); got != "" {
			t.Fatalf("a resolved alert emitted %q again", got)
		}
		if len(st.stored()) != 1 {
			t.Fatal("forgotten before the retention passed")
		}
		time.Sleep(6 * time.Minute)
		synctest.Wait()
		if n := len(st.stored()); n != 0 {
			t.Fatalf("%d records kept past the retention", n)
		}
		cancel()
		<-done
	})
}

// Prometheus's own shape: endsAt = now + 4 × resend period on every
// re-send, then an explicit resolution with endsAt in the past.
func TestExplicitEndsAtAndResolution(t *testing.T) {
	st := newMemStore()
	in := restored(t, st, t0)
	started := t0.Add(-time.Minute)
	push(t, in, t0, pa("P", "a", started, t0.Add(4*time.Minute)))
	push(t, in, t0.Add(time.Minute), pa("P", "a", started, t0.Add(5*time.Minute)))
	if got := st.takeEvents(); got != "firing:P" {
		t.Fatalf("events: %q", got)
	}
	resolvedAt := t0.Add(90 * time.Second)
	push(t, in, t0.Add(2*time.Minute), pa("P", "a", started, resolvedAt))
	if got := st.takeEvents(); got != "resolved:P" {
		t.Fatalf("events after the resolution: %q", got)
	}
	a := st.stored()[0]
	if a.State != alert.StateInactive || !a.ResolvedAt.Equal(resolvedAt) || !a.FiredAt.Equal(started) {
		t.Fatalf("resolved record: %+v", a)
	}
	// Prometheus re-sends the resolution for 15 minutes: no new event.
	push(t, in, t0.Add(3*time.Minute), pa("P", "a", started, resolvedAt))
	if got := st.takeEvents(); got != "" {
		t.Fatalf("a re-sent resolution emitted %q", got)
	}
	// It fires again later: a new incident.
	again := t0.Add(10 * time.Minute)
	push(t, in, again, pa("P", "a", again, again.Add(4*time.Minute)))
	if got := st.takeEvents(); got != "firing:P" {
		t.Fatalf("events when it fires again: %q", got)
	}
	if a := in.Alerts()[0]; !a.FiredAt.Equal(again) {
		t.Fatalf("new incident starts at %v, want %v", a.FiredAt, again)
	}
}

// Two Prometheus servers of an HA pair send the same alert with their own
// start times and ends: one alert, one notification, the earliest start
// and the latest end.
func TestHADuplicatesMerge(t *testing.T) {
	st := newMemStore()
	in := restored(t, st, t0)
	a1 := pa("HA", "x", t0.Add(-2*time.Minute), t0.Add(4*time.Minute))
	a2 := pa("HA", "x", t0.Add(-time.Minute), t0.Add(4*time.Minute+10*time.Second))
	a2.Annotations["summary"] = "from replica 2"
	push(t, in, t0, a1)
	push(t, in, t0.Add(10*time.Second), a2)
	push(t, in, t0.Add(20*time.Second), a1, a2) // both in one request
	if got := st.takeEvents(); got != "firing:HA" {
		t.Fatalf("events: %q", got)
	}
	as := in.Alerts()
	if len(as) != 1 {
		t.Fatalf("%d alerts, want 1", len(as))
	}
	if a := as[0]; !a.FiredAt.Equal(t0.Add(-2*time.Minute)) || !a.EndsAt.Equal(t0.Add(4*time.Minute+10*time.Second)) {
		t.Fatalf("merged: startsAt %v endsAt %v", a.FiredAt, a.EndsAt)
	}
	// A resolution from either replica resolves the one alert.
	push(t, in, t0.Add(30*time.Second), pa("HA", "x", t0.Add(-2*time.Minute), t0.Add(25*time.Second)))
	if got := st.takeEvents(); got != "resolved:HA" {
		t.Fatalf("events after the resolution: %q", got)
	}
}

// A late re-send of an incident that ended before the current one began
// does not resolve the current one.
func TestLateResendOfEarlierIncidentIgnored(t *testing.T) {
	st := newMemStore()
	in := restored(t, st, t0)
	push(t, in, t0, pa("L", "x", t0.Add(-time.Minute), t0.Add(4*time.Minute)))
	push(t, in, t0.Add(time.Second), pa("L", "x", t0.Add(-time.Hour), t0.Add(-30*time.Minute)))
	if got := st.takeEvents(); got != "firing:L" {
		t.Fatalf("events: %q", got)
	}
	if got := firingNames(in); got != "L/x" {
		t.Fatalf("firing %q", got)
	}
}

// An alert that arrives already resolved, never seen firing, is not told
// and not listed, as in Alertmanager.
func TestResolvedNeverSeenFiring(t *testing.T) {
	st := newMemStore()
	in := restored(t, st, t0)
	push(t, in, t0, pa("R", "x", t0.Add(-time.Hour), t0.Add(-time.Minute)))
	if got := st.takeEvents(); got != "" || len(st.stored()) != 0 || len(in.Alerts()) != 0 {
		t.Fatalf("events %q, stored %d, listed %d", got, len(st.stored()), len(in.Alerts()))
	}
}

// A re-send that arrives after the end passed but before the sweep ran
// resolves the old incident and starts a new one, as if swept in time.
func TestPushAfterUnsweptEnd(t *testing.T) {
	st := newMemStore()
	in := restored(t, st, t0)
	push(t, in, t0, pa("U", "x", t0, t0.Add(time.Minute)))
	push(t, in, t0.Add(2*time.Minute), pa("U", "x", t0.Add(2*time.Minute), t0.Add(6*time.Minute)))
	if got := st.takeEvents(); got != "firing:U,resolved:U,firing:U" {
		t.Fatalf("events: %q", got)
	}
}

// A store that fails takes nothing: no event, no change in memory; the
// same push succeeds once the store is back.
func TestCommitFailureAppliesNothing(t *testing.T) {
	st := newMemStore()
	in := restored(t, st, t0)
	st.setFailing(true)
	if err := in.Push(context.Background(), []Alert{pa("F", "x", t0, time.Time{})}, t0); err == nil {
		t.Fatal("Push succeeded with a failing store")
	}
	if len(in.Alerts()) != 0 {
		t.Fatal("alert held although it was not stored")
	}
	st.setFailing(false)
	push(t, in, t0, pa("F", "x", t0, time.Time{}))
	if got := st.takeEvents(); got != "firing:F" {
		t.Fatalf("events: %q", got)
	}
	// A failing sweep keeps the alert firing and is due again at once.
	st.setFailing(true)
	later := t0.Add(time.Hour)
	next, err := in.Sweep(context.Background(), later)
	if err == nil || !next.Equal(later) {
		t.Fatalf("Sweep = %v, %v; want an error and due now", next, err)
	}
	if len(in.Alerts()) != 1 {
		t.Fatal("a failed sweep resolved the alert in memory")
	}
	st.setFailing(false)
	if _, err := in.Sweep(context.Background(), later); err != nil {
		t.Fatal(err)
	}
	if got := st.takeEvents(); got != "resolved:F" {
		t.Fatalf("events after the store came back: %q", got)
	}
}

func TestPushBeforeRestore(t *testing.T) {
	in := newTestIngester(t, newMemStore(), nil)
	if err := in.Push(context.Background(), []Alert{pa("A", "x", t0, time.Time{})}, t0); err != ErrNotReady {
		t.Fatalf("Push before Restore = %v, want ErrNotReady", err)
	}
}

// A Run whose sweeps fail retries with back-off, and stops with ctx.
func TestRunRetriesFailedSweep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		in := newTestIngester(t, st, func(o *Options) { o.ResolveTimeout = time.Minute })
		ctx, cancel := context.WithCancel(t.Context())
		if err := in.Restore(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		push(t, in, time.Now(), pa("B", "x", time.Time{}, time.Time{}))
		st.takeEvents()
		st.setFailing(true)
		done := make(chan struct{})
		go func() { defer close(done); in.Run(ctx) }()
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if got := st.takeEvents(); got != "" {
			t.Fatalf("events while the store fails: %q", got)
		}
		st.setFailing(false)
		time.Sleep(maxRetry)
		synctest.Wait()
		if got := st.takeEvents(); got != "resolved:B" {
			t.Fatalf("events once the store is back: %q", got)
		}
		cancel()
		<-done
	})
}
