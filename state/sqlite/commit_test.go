package sqlite

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

func TestAlertRoundTrip(t *testing.T) {
	full := sampleAlert("full", 1)
	full.ResolvedAt = t0.Add(2 * time.Hour)
	full.KeepFiringSince = t0.Add(90 * time.Minute)
	full.State = alert.StateInactive

	tests := []struct {
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
		{"pending", func(a *alert.Alert) { a.State = alert.StatePending }},
		{"fingerprint with the top bit set", func(a *alert.Alert) { a.Key.ID = model.Fingerprint(math.MaxUint64 - 7) }},
		{"empty rule id and url", func(a *alert.Alert) { a.Key.RuleID, a.GeneratorURL = "", "" }},
		{"times before 1970", func(a *alert.Alert) { a.ActiveAt = time.Date(1960, 1, 2, 3, 4, 5, 6, time.UTC) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTest(t, dir)
			a := sampleAlert("rule", 7)
			tt.mutate(a)
			commit(t, s, &state.Batch{Group: "g", Upserts: []*alert.Alert{a}})
			checkAlerts(t, s, a)

			// And through a restart, which reads the file, not a cache.
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			checkAlerts(t, openTest(t, dir), a)
		})
	}
}

func TestUpsertUpdateDelete(t *testing.T) {
	s := openTest(t, "")
	a, b := sampleAlert("r1", 1), sampleAlert("r2", 2)
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: t0, Upserts: []*alert.Alert{a, b}})
	checkAlerts(t, s, a, b)
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: t0})

	a2 := a.Clone()
	a2.State = alert.StateInactive
	a2.ResolvedAt = t0.Add(time.Minute)
	a2.Value = math.NaN()
	a2.Annotations["summary"] = "changed"
	commit(t, s, &state.Batch{Group: "g", EvaluatedAt: t0.Add(time.Minute), Upserts: []*alert.Alert{a2}})
	checkAlerts(t, s, a2, b)
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: t0.Add(time.Minute)})

	commit(t, s, &state.Batch{Group: "g", Deletes: []alert.Key{a.Key, {RuleID: "never", ID: 1}}})
	checkAlerts(t, s, b)
	// A batch without EvaluatedAt leaves the mark alone.
	checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: t0.Add(time.Minute)})

	// Upserted and deleted in one batch: deletes run last.
	commit(t, s, &state.Batch{Group: "g", Upserts: []*alert.Alert{a}, Deletes: []alert.Key{a.Key}})
	checkAlerts(t, s, b)

	// Same fingerprint under another rule is another alert.
	c := a.Clone()
	c.Key.RuleID = "r2"
	commit(t, s, &state.Batch{Group: "h", EvaluatedAt: t0, Upserts: []*alert.Alert{c}})
	checkAlerts(t, s, b, c)
	checkMarks(t, s,
		state.GroupMark{Group: "g", LastEvalAt: t0.Add(time.Minute)},
		state.GroupMark{Group: "h", LastEvalAt: t0},
	)
}

func TestEventIDsInOrder(t *testing.T) {
	s := openTest(t, "")
	var all []*alert.Event
	for round := range 3 {
		a := sampleAlert("r", round)
		evs := []*alert.Event{
			sampleEvent(alert.EventFiring, a),
			sampleEvent(alert.EventSeverityRaised, a),
			sampleEvent(alert.EventResolved, a),
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
		checkEvent(t, got[i], all[i])
	}
}

// checkEvent fails the test unless got equals want in every field.
func checkEvent(t *testing.T, got, want *alert.Event) {
	t.Helper()
	if got.ID != want.ID || got.Kind != want.Kind || got.At != want.At || got.PrevSeverity != want.PrevSeverity {
		t.Errorf("event = {ID:%d Kind:%s At:%v Prev:%q}, want {ID:%d Kind:%s At:%v Prev:%q}",
			got.ID, got.Kind, got.At, got.PrevSeverity, want.ID, want.Kind, want.At, want.PrevSeverity)
	}
	if !equalAlert(&got.Alert, &want.Alert) {
		t.Errorf("event %d alert:\n got %+v\nwant %+v", want.ID, got.Alert, want.Alert)
	}
}

// TestCommitAtomic forces failures after part of a batch has been written
// and checks that none of it was.
func TestCommitAtomic(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		corrupt func(b *state.Batch)
		wantErr error
	}{
		{
			// Rejected by the outbox's CHECK constraint, after every upsert,
			// delete, the group mark and the first event were written.
			name: "constraint on the last event",
			ctx:  context.Background(),
			corrupt: func(b *state.Batch) {
				b.Events[len(b.Events)-1].Kind = 0
			},
		},
		{
			// Refused by the codec, after the first upserts were written.
			name: "unstorable time in a later upsert",
			ctx:  context.Background(),
			corrupt: func(b *state.Batch) {
				b.Upserts[len(b.Upserts)-1].FiredAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
			},
		},
		{
			name: "unstorable event time",
			ctx:  context.Background(),
			corrupt: func(b *state.Batch) {
				b.Events[0].At = time.Unix(0, 0)
			},
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, "")
			kept, gone := sampleAlert("r", 0), sampleAlert("r", 1)
			commit(t, s, &state.Batch{
				Group: "g", EvaluatedAt: t0,
				Upserts: []*alert.Alert{kept, gone},
				Events:  []*alert.Event{sampleEvent(alert.EventFiring, kept)},
			})

			changed := kept.Clone()
			changed.Value = 99
			b := &state.Batch{
				Group: "g", EvaluatedAt: t0.Add(time.Minute),
				Upserts: []*alert.Alert{changed, sampleAlert("r", 2), sampleAlert("r", 3)},
				Deletes: []alert.Key{gone.Key},
				Events: []*alert.Event{
					sampleEvent(alert.EventFiring, changed),
					sampleEvent(alert.EventResolved, gone),
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
			checkAlerts(t, s, kept, gone)
			checkMarks(t, s, state.GroupMark{Group: "g", LastEvalAt: t0})
			checkDepth(t, s, 1)
			for i, e := range b.Events {
				if e.ID != 0 {
					t.Errorf("event %d got ID %d from a failed commit", i, e.ID)
				}
			}

			// The store is still usable afterwards.
			ok := sampleEvent(alert.EventFiring, kept)
			commit(t, s, &state.Batch{Group: "g", Events: []*alert.Event{ok}})
			checkDepth(t, s, 2)
		})
	}
}

// TestCommitCanceledMidway cancels the context while a large batch is being
// written. Whether the commit won the race or not, the store must hold all
// of the batch or none of it, and the error must say which.
func TestCommitCanceledMidway(t *testing.T) {
	for _, delay := range []time.Duration{0, 100 * time.Microsecond, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, time.Minute} {
		t.Run(delay.String(), func(t *testing.T) {
			s := openTest(t, "")
			b := &state.Batch{Group: "g", EvaluatedAt: t0}
			for i := range 2000 {
				b.Upserts = append(b.Upserts, sampleAlert("r", i))
			}
			b.Events = []*alert.Event{sampleEvent(alert.EventFiring, b.Upserts[0])}

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
			t.Logf("err=%v alerts=%d depth=%d", err, len(got), depth)
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

func TestCommitEmptyAndNil(t *testing.T) {
	s := openTest(t, "")
	if err := s.Commit(context.Background(), nil); err == nil {
		t.Error("Commit(nil) succeeded, want an error")
	}
	commit(t, s, &state.Batch{Group: "g"})
	checkAlerts(t, s)
	checkMarks(t, s)
	checkDepth(t, s, 0)
}
