package ack_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/state/sqlite"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func firing(instance string) *alert.Alert {
	ls := model.LabelSet{"alertname": "Down", "instance": model.LabelValue(instance)}
	return &alert.Alert{Key: alert.Key{RuleID: "r", ID: ls.Fingerprint()}, Labels: ls, State: alert.StateFiring,
		ActiveAt: t0.Add(-time.Hour), FiredAt: t0.Add(-time.Minute)}
}

func open(t *testing.T, dir string) (*ack.Acks, *sqlite.Store) {
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	k, err := ack.New(context.Background(), ack.Options{Store: st, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return k, st
}

// TestCoversOnlyTheEpisodeAndSeverityAcknowledged is the table of when an
// acknowledgement holds.
func TestCoversOnlyTheEpisodeAndSeverityAcknowledged(t *testing.T) {
	a := firing("a")
	k := &ack.Ack{Ack: alert.Ack{ID: "x", By: "alice", At: t0, ExpiresAt: t0.Add(time.Hour)},
		Targets: []ack.Target{{Key: a.Key, Fingerprint: a.Fingerprint(), FiredAt: a.FiredAt}}}
	mod := func(f func(*alert.Alert)) *alert.Alert { c := a.Clone(); f(c); return c }
	tests := []struct {
		name string
		a    *alert.Alert
		now  time.Time
		want bool
	}{
		{"the alert acknowledged", a, t0.Add(time.Minute), true},
		{"just before expiry", a, t0.Add(time.Hour - time.Nanosecond), true},
		{"at expiry", a, t0.Add(time.Hour), false},
		{"resolved", mod(func(c *alert.Alert) { c.State, c.ResolvedAt = alert.StateInactive, t0 }), t0.Add(time.Minute), false},
		{"fired again: a new episode", mod(func(c *alert.Alert) { c.FiredAt = t0.Add(30 * time.Minute) }), t0.Add(40 * time.Minute), false},
		{"severity rose after the ack", mod(func(c *alert.Alert) { c.SeverityRaisedAt = t0.Add(time.Second) }), t0.Add(time.Minute), false},
		{"severity rose before the ack", mod(func(c *alert.Alert) { c.SeverityRaisedAt = t0.Add(-time.Second) }), t0.Add(time.Minute), true},
		{"another alert", firing("b"), t0.Add(time.Minute), false},
	}
	for _, tc := range tests {
		if got := k.Covers(tc.a, tc.now); got != tc.want {
			t.Errorf("%s: covers = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCreatePersistsAndReloads(t *testing.T) {
	dir := t.TempDir()
	k, st := open(t, dir)
	a, b := firing("a"), firing("b")
	pending := firing("c")
	pending.State = alert.StatePending
	ms, _ := matcher.Parse(`alertname="Down"`)
	created, err := k.Create(context.Background(), ack.Request{By: "alice", Comment: "on it", Matchers: ms, ExpiresAt: t0.Add(time.Hour)},
		[]*alert.Alert{a, b, pending}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(created.Targets) != 2 {
		t.Fatalf("targets %+v: the pending alert must not be acknowledged", created.Targets)
	}
	_ = st.Close()

	k2, _ := open(t, dir)
	got, ok := k2.Get(created.ID)
	if !ok || got.By != "alice" || got.Comment != "on it" || !got.ExpiresAt.Equal(t0.Add(time.Hour)) ||
		len(got.Targets) != 2 || got.Matchers.String() != ms.String() {
		t.Fatalf("reloaded %+v", got)
	}
	if k, ok := k2.Acknowledged(b, t0.Add(time.Minute)); !ok || k.By != "alice" {
		t.Fatalf("not acknowledged after reload: %+v %v", k, ok)
	}
}

func TestCreateRefusals(t *testing.T) {
	k, _ := open(t, t.TempDir())
	var ve *ack.ValidationError
	if _, err := k.Create(context.Background(), ack.Request{By: " "}, []*alert.Alert{firing("a")}, t0); !errors.As(err, &ve) {
		t.Fatalf("no author: %v", err)
	}
	if _, err := k.Create(context.Background(), ack.Request{By: "x", ExpiresAt: t0}, []*alert.Alert{firing("a")}, t0); !errors.As(err, &ve) {
		t.Fatalf("expiry now: %v", err)
	}
	if _, err := k.Create(context.Background(), ack.Request{By: "x"}, nil, t0); !errors.Is(err, ack.ErrNoAlerts) {
		t.Fatalf("nothing firing: %v", err)
	}
	if len(k.List()) != 0 {
		t.Fatal("a refused request was stored")
	}
}

func TestGCMarksEndedThenDeletesAfterRetention(t *testing.T) {
	dir := t.TempDir()
	k, st := open(t, dir)
	a := firing("a")
	created, err := k.Create(context.Background(), ack.Request{By: "x"}, []*alert.Alert{a}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := k.GC(context.Background(), []*alert.Alert{a}, t0.Add(time.Minute)); n != 0 {
		t.Fatal("deleted an active acknowledgement")
	}
	if got, _ := k.Get(created.ID); !got.EndedAt.IsZero() {
		t.Fatal("an active acknowledgement marked ended")
	}
	// The alert resolved: ended now, deleted a retention (1h) later.
	if _, err := k.GC(context.Background(), nil, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := k.Get(created.ID); !got.EndedAt.Equal(t0.Add(2 * time.Minute)) {
		t.Fatalf("ended at %v", got.EndedAt)
	}
	if n, _ := k.GC(context.Background(), nil, t0.Add(time.Hour)); n != 0 {
		t.Fatal("deleted before the retention")
	}
	if n, _ := k.GC(context.Background(), nil, t0.Add(2*time.Minute+time.Hour)); n != 1 {
		t.Fatal("not deleted after the retention")
	}
	_ = st.Close()
	k2, _ := open(t, dir)
	if len(k2.List()) != 0 {
		t.Fatal("deleted acknowledgement came back after a restart")
	}
}

func TestDeleteWithdraws(t *testing.T) {
	changes := 0
	k, err := ack.New(context.Background(), ack.Options{OnChange: func() { changes++ }})
	if err != nil {
		t.Fatal(err)
	}
	a := firing("a")
	created, _ := k.Create(context.Background(), ack.Request{By: "x"}, []*alert.Alert{a}, t0)
	if err := k.Delete(context.Background(), created.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Acknowledged(a, t0); ok || changes != 2 {
		t.Fatalf("still acknowledged, or %d changes told", changes)
	}
	if err := k.Delete(context.Background(), created.ID); !errors.Is(err, ack.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}
