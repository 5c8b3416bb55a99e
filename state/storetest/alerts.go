package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

func testAlertRoundTrip(t *testing.T, h Harness) {
	full := SampleAlert("full", 1)
	full.ResolvedAt = T0.Add(2 * time.Hour)
	full.KeepFiringSince = T0.Add(90 * time.Minute)
	full.State = alert.StateInactive

	mutations := []struct {
		name   string
		mutate func(a *alert.Alert)
	}{
		{"every field set", func(a *alert.Alert) { *a = *full.Clone() }},
		{"zero times", func(a *alert.Alert) {
			a.ActiveAt, a.FiredAt, a.ResolvedAt = time.Time{}, time.Time{}, time.Time{}
			a.KeepFiringSince, a.LastEvalAt, a.SeverityRaisedAt = time.Time{}, time.Time{}, time.Time{}
			a.EndsAt = time.Time{}
		}},
		{"pushed", func(a *alert.Alert) { a.Key.RuleID = alert.PushedRuleID }},
		{"NaN", func(a *alert.Alert) { a.Value = math.NaN() }},
		{"+Inf", func(a *alert.Alert) { a.Value = math.Inf(1) }},
		{"-Inf", func(a *alert.Alert) { a.Value = math.Inf(-1) }},
		{"negative zero", func(a *alert.Alert) { a.Value = math.Copysign(0, -1) }},
		{"nil label sets", func(a *alert.Alert) { a.Labels, a.Annotations = nil, nil }},
		{"empty label sets", func(a *alert.Alert) { a.Labels, a.Annotations = model.LabelSet{}, model.LabelSet{} }},
		{"awkward label values", func(a *alert.Alert) {
			a.Labels = model.LabelSet{"alertname": "x", "zoné": "日本\n\t<>&'\"\\", "empty": ""}
		}},
		{"pending", func(a *alert.Alert) { a.State = alert.StatePending }},
		{"fingerprint with the top bit set", func(a *alert.Alert) { a.Key.ID = model.Fingerprint(math.MaxUint64 - 7) }},
		{"empty rule id and url", func(a *alert.Alert) { a.Key.RuleID, a.GeneratorURL = "", "" }},
		{"times before 1970", func(a *alert.Alert) { a.ActiveAt = time.Date(1960, 1, 2, 3, 4, 5, 6, time.UTC) }},
		{"flapping", func(a *alert.Alert) { a.Flap = SampleFlap() }},
		{"empty flap history", func(a *alert.Alert) { a.Flap = &alert.Flap{} }},
	}
	// One database, one alert per case, checked after a restart as well.
	s, db := open(t, h, "")
	var want []*alert.Alert
	for i, m := range mutations {
		a := SampleAlert(fmt.Sprintf("rule-%d", i), 7)
		m.mutate(a)
		if a.Key.RuleID == "" {
			a.Key.ID = model.Fingerprint(i) // distinct from the others' keys
		}
		commit(t, s, &state.Batch{Group: "g", Upserts: []*alert.Alert{a}})
		want = append(want, a)
	}
	CheckAlerts(t, s, want...)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, _ = open(t, h, db)
	CheckAlerts(t, s, want...)
}

func testUpsertUpdateDelete(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	a, b := SampleAlert("r1", 1), SampleAlert("r2", 2)
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: T0, Upserts: []*alert.Alert{a, b}})
	CheckAlerts(t, s, a, b)
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: T0})

	a2 := a.Clone()
	a2.State = alert.StateInactive
	a2.ResolvedAt = T0.Add(time.Minute)
	a2.Value = math.NaN()
	a2.Annotations["summary"] = "changed"
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: T0.Add(time.Minute), Upserts: []*alert.Alert{a2}})
	CheckAlerts(t, s, a2, b)
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: T0.Add(time.Minute)})

	commit(t, s, &state.Batch{Group: "g", Deletes: []alert.Key{a.Key, {RuleID: "never", ID: 1}}})
	CheckAlerts(t, s, b)
	// A batch without EvaluatedAt leaves the mark alone.
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: T0.Add(time.Minute)})

	// Upserted and deleted in one batch: deletes run last.
	commit(t, s, &state.Batch{Group: "g", Upserts: []*alert.Alert{a}, Deletes: []alert.Key{a.Key}})
	CheckAlerts(t, s, b)

	// Same fingerprint under another rule is another alert.
	c := a.Clone()
	c.Key.RuleID = "r2"
	commit(t, s, &state.Batch{Group: "h", EvaluatedAt: T0, Upserts: []*alert.Alert{c}})
	CheckAlerts(t, s, b, c)
	checkMarks(t, s,
		state.GroupMark{Group: "g", LastEvalAt: T0.Add(time.Minute)},
		state.GroupMark{Group: "h", LastEvalAt: T0},
	)
}

func testEventIDsInOrder(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	var all []*alert.Event
	for round := range 3 {
		a := SampleAlert("r", round)
		evs := []*alert.Event{
			SampleEvent(alert.EventFiring, a),
			SampleEvent(alert.EventSeverityRaised, a),
			SampleEvent(alert.EventResolved, a),
		}
		evs[1].PrevSeverity = "info"
		commit(t, s, &state.Batch{Group: "g", Upserts: []*alert.Alert{a}, Events: evs})
		all = append(all, evs...)
	}
	for i, e := range all {
		if e.ID <= 0 || (i > 0 && e.ID <= all[i-1].ID) {
			t.Fatalf("event %d has ID %d after %d: IDs must be positive and increasing", i, e.ID, all[max(i-1, 0)].ID)
		}
	}
	got, err := s.PendingEvents(context.Background(), 100)
	if err != nil {
		t.Fatalf("PendingEvents: %v", err)
	}
	if len(got) != len(all) {
		t.Fatalf("PendingEvents returned %d events, want %d", len(got), len(all))
	}
	for i := range all {
		CheckEvent(t, got[i], all[i])
	}
}

// testCommitAtomic forces failures after part of a batch has been written
// and checks that none of it was.
func testCommitAtomic(t *testing.T, h Harness) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name    string
		ctx     context.Context
		corrupt func(b *state.Batch)
		wantErr error
	}{
		{
			// Refused by the store after every upsert, delete, the group
			// mark and the first event were written.
			name:    "invalid kind of the last event",
			ctx:     context.Background(),
			corrupt: func(b *state.Batch) { b.Events[len(b.Events)-1].Kind = 0 },
		},
		{
			name: "unstorable time in a later upsert",
			ctx:  context.Background(),
			corrupt: func(b *state.Batch) {
				b.Upserts[len(b.Upserts)-1].FiredAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
			},
		},
		{
			name:    "unstorable event time",
			ctx:     context.Background(),
			corrupt: func(b *state.Batch) { b.Events[0].At = time.Unix(0, 0) },
		},
		{
			name:    "canceled context",
			ctx:     canceled,
			corrupt: func(*state.Batch) {},
			wantErr: context.Canceled,
		},
		{
			name:    "nil upsert",
			ctx:     context.Background(),
			corrupt: func(b *state.Batch) { b.Upserts = append(b.Upserts, nil) },
		},
		{
			name: "unstorable status time",
			ctx:  context.Background(),
			corrupt: func(b *state.Batch) {
				b.Status = &state.GroupStatus{Group: "g", LastEval: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}
			},
		},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := open(t, h, "")
			kept, gone := SampleAlert("r", 0), SampleAlert("r", 1)
			commit(t, s, &state.Batch{
				Group: "g", EvaluatedAt: T0,
				Upserts: []*alert.Alert{kept, gone},
				Events:  []*alert.Event{SampleEvent(alert.EventFiring, kept)},
				Status:  &state.GroupStatus{Group: "g", LastEval: T0},
			})

			changed := kept.Clone()
			changed.Value = 99
			b := &state.Batch{
				Group: "g", EvaluatedAt: T0.Add(time.Minute),
				Upserts: []*alert.Alert{changed, SampleAlert("r", 2), SampleAlert("r", 3)},
				Deletes: []alert.Key{gone.Key},
				Events: []*alert.Event{
					SampleEvent(alert.EventFiring, changed),
					SampleEvent(alert.EventResolved, gone),
				},
			}
			tt.corrupt(b)
			err := s.Commit(tt.ctx, b)
			if err == nil {
				t.Fatal("Commit succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Commit error = %v, want %v", err, tt.wantErr)
			}
			CheckAlerts(t, s, kept, gone)
			checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: T0})
			checkDepth(t, s, 1)
			checkStatus(t, s, state.GroupStatus{Group: "g", LastEval: T0})
			for i, e := range b.Events {
				if e.ID != 0 {
					t.Errorf("event %d got ID %d from a failed commit", i, e.ID)
				}
			}

			// The store is still usable afterwards.
			ok := SampleEvent(alert.EventFiring, kept)
			commit(t, s, &state.Batch{Group: "g", Events: []*alert.Event{ok}})
			checkDepth(t, s, 2)
		})
	}
}

// testCommitCanceledMidway cancels the context while a large batch is
// being written. Whether the commit won the race or not, the store must
// hold all of the batch or none of it, and the error must say which.
func testCommitCanceledMidway(t *testing.T, h Harness) {
	for _, delay := range []time.Duration{0, 100 * time.Microsecond, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, time.Minute} {
		t.Run(delay.String(), func(t *testing.T) {
			s, _ := open(t, h, "")
			b := &state.Batch{Group: "g", EvaluatedAt: T0}
			for i := range 2000 {
				b.Upserts = append(b.Upserts, SampleAlert("r", i))
			}
			b.Events = []*alert.Event{SampleEvent(alert.EventFiring, b.Upserts[0])}

			ctx, cancel := context.WithCancel(context.Background())
			timer := time.AfterFunc(delay, cancel)
			defer timer.Stop()
			err := s.Commit(ctx, b)
			cancel()

			got, lerr := s.LoadAlerts(context.Background())
			if lerr != nil {
				t.Fatalf("LoadAlerts: %v", lerr)
			}
			depth, derr := s.OutboxDepth(context.Background())
			if derr != nil {
				t.Fatalf("OutboxDepth: %v", derr)
			}
			switch {
			case err == nil && (len(got) != len(b.Upserts) || depth != 1 || b.Events[0].ID == 0):
				t.Fatalf("Commit succeeded but the store holds %d alerts, %d events (ID %d)", len(got), depth, b.Events[0].ID)
			case err != nil && (len(got) != 0 || depth != 0 || b.Events[0].ID != 0):
				t.Fatalf("Commit failed (%v) but the store holds %d alerts, %d events (ID %d)", err, len(got), depth, b.Events[0].ID)
			case err != nil && !errors.Is(err, context.Canceled):
				t.Fatalf("Commit error = %v, want it to match context.Canceled", err)
			}
		})
	}
}

func testCommitEmptyAndNil(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	if err := s.Commit(context.Background(), nil); err == nil {
		t.Error("Commit(nil) succeeded, want an error")
	}
	commit(t, s, &state.Batch{Group: "g"})
	CheckAlerts(t, s)
	checkMarks(t, s)
	checkDepth(t, s, 0)
}

// testRestart commits, closes and reopens: everything must be there, as
// after a crash right after the commit returned.
func testRestart(t *testing.T, h Harness) {
	s, db := open(t, h, "")
	a, b := SampleAlert("r", 1), SampleAlert("r", 2)
	evs := []*alert.Event{SampleEvent(alert.EventFiring, a), SampleEvent(alert.EventFiring, b)}
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: T0, Upserts: []*alert.Alert{a, b}, Events: evs})
	if err := s.MarkDelivered(context.Background(), []int64{evs[0].ID}, T0); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.LoadAlerts(context.Background()); err == nil {
		t.Error("LoadAlerts after Close succeeded")
	}

	s, _ = open(t, h, db)
	CheckAlerts(t, s, a, b)
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: T0})
	checkDepth(t, s, 1)
	got, err := s.PendingEvents(context.Background(), 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("PendingEvents = %d events, %v; want 1", len(got), err)
	}
	CheckEvent(t, got[0], evs[1])
}

// testCanceledContext checks that every call gives up on a done context.
func testCanceledContext(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	evs := []*alert.Event{SampleEvent(alert.EventFiring, SampleAlert("r", 1))}
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: T0, Upserts: []*alert.Alert{SampleAlert("r", 1)}, Events: evs})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"LoadAlerts":     func() error { _, err := s.LoadAlerts(ctx); return err },
		"LoadGroupMarks": func() error { _, err := s.LoadGroupMarks(ctx); return err },
		"Commit":         func() error { return s.Commit(ctx, &state.Batch{Group: "g", EvaluatedAt: T0.Add(time.Hour)}) },
		"PendingEvents":  func() error { _, err := s.PendingEvents(ctx, 10); return err },
		"MarkDelivered":  func() error { return s.MarkDelivered(ctx, []int64{evs[0].ID}, T0) },
		"OutboxDepth":    func() error { _, err := s.OutboxDepth(ctx); return err },
		"PruneDelivered": func() error { _, err := s.PruneDelivered(ctx, T0.Add(time.Hour)); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: err = %v, want context.Canceled", name, err)
		}
	}
	checkDepth(t, s, 1)
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: T0})
}

// testConcurrentUse commits from several goroutines while another drains
// the outbox, as the evaluator's groups and the dispatcher do.
func testConcurrentUse(t *testing.T, h Harness) {
	const writers, perWriter = 4, 25
	s, _ := open(t, h, "")
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				a := SampleAlert(fmt.Sprintf("w%d", w), i)
				if err := s.Commit(ctx, &state.Batch{
					Group: fmt.Sprintf("g%d", w), EvaluatedAt: T0.Add(time.Duration(i+1) * time.Second),
					Upserts: []*alert.Alert{a},
					Events:  []*alert.Event{SampleEvent(alert.EventFiring, a)},
				}); err != nil {
					t.Errorf("Commit: %v", err)
					return
				}
			}
		})
	}
	delivered := 0
	deadline := time.Now().Add(time.Minute)
	for delivered < writers*perWriter && !t.Failed() && time.Now().Before(deadline) {
		evs, err := s.PendingEvents(ctx, 10)
		if err != nil {
			t.Fatalf("PendingEvents: %v", err)
		}
		ids := make([]int64, len(evs))
		for i, e := range evs {
			ids[i] = e.ID
		}
		if err := s.MarkDelivered(ctx, ids, T0); err != nil {
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

// checkStatus fails the test unless s holds exactly want.
func checkStatus(t *testing.T, s Store, want ...state.GroupStatus) {
	t.Helper()
	got, err := s.LoadGroupStatus(context.Background())
	if err != nil {
		t.Fatalf("LoadGroupStatus: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("LoadGroupStatus = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Group != w.Group || g.LastEval != w.LastEval || g.EvalDuration != w.EvalDuration || len(g.Rules) != len(w.Rules) {
			t.Fatalf("group status %d = %+v, want %+v", i, g, w)
		}
		for j := range w.Rules {
			if g.Rules[j] != w.Rules[j] {
				t.Errorf("group %s rule %d = %+v, want %+v", w.Group, j, g.Rules[j], w.Rules[j])
			}
		}
	}
}

// testGroupStatus stores rule health with the evaluation batch, for
// followers to show: the latest status of each group replaces the last,
// a batch without one leaves it, and it survives a restart.
func testGroupStatus(t *testing.T, h Harness) {
	s, db := open(t, h, "")
	checkStatus(t, s)
	g1 := state.GroupStatus{Group: "f.yml;g1", LastEval: T0, EvalDuration: 1500 * time.Microsecond, Rules: []state.RuleStatus{
		{RuleID: "f.yml;g1/A", Health: "ok", LastEval: T0, EvalDuration: time.Millisecond},
		{RuleID: "f.yml;g1/B", Health: "err", LastError: "query failed: \"bad\"\nline 2", LastEval: T0, EvalDuration: 2},
	}}
	g2 := state.GroupStatus{Group: "f.yml;g2", LastEval: T0.Add(time.Second)}
	commit(t, s, &state.Batch{Group: g1.Group, EvaluatedAt: T0, Status: &g1})
	commit(t, s, &state.Batch{Group: g2.Group, EvaluatedAt: T0, Status: &g2})
	checkStatus(t, s, g1, g2)

	g1b := g1
	g1b.LastEval = T0.Add(time.Minute)
	g1b.Rules = []state.RuleStatus{{RuleID: "f.yml;g1/A", Health: "unknown"}}
	commit(t, s, &state.Batch{Group: g1.Group, EvaluatedAt: T0.Add(time.Minute), Status: &g1b})
	commit(t, s, &state.Batch{Group: g2.Group, EvaluatedAt: T0.Add(time.Minute)})
	checkStatus(t, s, g1b, g2)

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, h, db)
	checkStatus(t, s, g1b, g2)
}
