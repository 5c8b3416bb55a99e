package ack_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/matcher"
)

// TestRefusesMatchersThatSelectEverything: acknowledgements refuse what
// silences and windows refuse, and also a lone negative matcher, which
// would acknowledge every firing alert.
func TestRefusesMatchersThatSelectEverything(t *testing.T) {
	k, _ := open(t, t.TempDir())
	all := []*alert.Alert{firing("a"), firing("b")}
	for _, tc := range []struct {
		ms string
		ok bool
	}{
		{`foo!="bar"`, false},
		{`x=~".*"`, false},
		{`x=""`, false},
		{`alertname!~"Watchdog"`, false},
		{`alertname="Down"`, true},
		{`foo!="bar", alertname="Down"`, true},
	} {
		ms, err := matcher.Parse(tc.ms)
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.Create(context.Background(), ack.Request{By: "alice", Matchers: ms}, ack.Select(all, nil, ms), t0)
		var ve *ack.ValidationError
		if tc.ok && err != nil || !tc.ok && (!errors.As(err, &ve) || !strings.Contains(ve.Msg, "must not match the empty string")) {
			t.Errorf("%s: %v", tc.ms, err)
		}
	}
	bad, _ := matcher.New(matcher.Equal, "bad\x00name", "x")
	if _, err := k.Create(context.Background(), ack.Request{By: "alice", Matchers: matcher.Matchers{bad}}, all, t0); err == nil ||
		!strings.Contains(err.Error(), "control character") {
		t.Errorf("label name with NUL: %v", err)
	}
}

// TestAckLimits: acknowledgements in effect are bounded in number (ended
// and expired ones free their place) and in size; expiry is bounded by
// the end of year 9999, and a far-future one is stored and loaded.
func TestAckLimits(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k, _ := open(t, dir)
	k.SetLimits(ack.Limits{MaxAcks: 2, MaxAckSizeBytes: 50})
	var ve *ack.ValidationError
	if _, err := k.Create(ctx, ack.Request{By: "alice", ExpiresAt: t0.Add(time.Minute)}, []*alert.Alert{firing("a")}, t0); err != nil {
		t.Fatal(err)
	}
	far := t0.AddDate(500, 0, 0)
	if _, err := k.Create(ctx, ack.Request{By: "alice", ExpiresAt: far}, []*alert.Alert{firing("b")}, t0); err != nil {
		t.Fatal(err)
	}
	_, err := k.Create(ctx, ack.Request{By: "alice"}, []*alert.Alert{firing("c")}, t0)
	if !errors.As(err, &ve) || !strings.Contains(ve.Msg, "limit is 2") {
		t.Fatalf("third acknowledgement: %v", err)
	}
	// Once the first expired it does not count.
	if _, err := k.Create(ctx, ack.Request{By: "alice"}, []*alert.Alert{firing("c")}, t0.Add(time.Minute)); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if _, err := k.Create(ctx, ack.Request{By: "alice", Comment: strings.Repeat("x", 51)}, []*alert.Alert{firing("d")}, t0); !errors.As(err, &ve) ||
		!strings.Contains(ve.Msg, "limit of 50 bytes") {
		t.Fatalf("large acknowledgement: %v", err)
	}
	if _, err := k.Create(ctx, ack.Request{By: "alice", ExpiresAt: ack.MaxExpiry.Add(time.Nanosecond)}, []*alert.Alert{firing("d")}, t0); !errors.As(err, &ve) ||
		!strings.Contains(ve.Msg, "9999") {
		t.Fatalf("expiry after 9999: %v", err)
	}
	k2, _ := open(t, dir)
	found := false
	for _, a := range k2.List() {
		found = found || a.ExpiresAt.Equal(far)
	}
	if !found {
		t.Fatal("far-future expiry not loaded back")
	}
}

// TestReplayReturnsTheSameAck: with a replay window, the same request
// again (a replayed Slack click, a double click) returns the first
// acknowledgement; a different person, comment, a new alert, or a request
// after the window makes a new one.
func TestReplayReturnsTheSameAck(t *testing.T) {
	ctx := context.Background()
	changes := 0
	k, err := ack.New(ctx, ack.Options{OnChange: func() { changes++ }})
	if err != nil {
		t.Fatal(err)
	}
	a, b := firing("a"), firing("b")
	req := ack.Request{By: "alice (U1)", Comment: "from Slack", ReplayWindow: 5 * time.Minute}
	first, err := k.Create(ctx, req, []*alert.Alert{a, b}, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		r      ack.Request
		alerts []*alert.Alert
		at     time.Time
		same   bool
	}{
		{"replay", req, []*alert.Alert{a, b}, t0.Add(time.Second), true},
		{"replay with an alert that resolved since", req, []*alert.Alert{a}, t0.Add(time.Minute), true},
		{"after the window", req, []*alert.Alert{a, b}, t0.Add(5 * time.Minute), false},
		{"another person", ack.Request{By: "bob (U2)", Comment: "from Slack", ReplayWindow: time.Minute}, []*alert.Alert{a, b}, t0.Add(time.Second), false},
		{"a new alert", req, []*alert.Alert{a, b, firing("c")}, t0.Add(time.Second), false},
		{"no replay window", ack.Request{By: "alice (U1)", Comment: "from Slack"}, []*alert.Alert{a, b}, t0.Add(time.Second), false},
	} {
		got, err := k.Create(ctx, tc.r, tc.alerts, tc.at)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if (got.ID == first.ID) != tc.same {
			t.Errorf("%s: got %s, first %s, want same=%v", tc.name, got.ID, first.ID, tc.same)
		}
	}
	if changes != 5 { // the first and the four new ones
		t.Errorf("OnChange called %d times, want 5", changes)
	}
}

// TestEndedAcksBounded: acknowledging with a short expiry in a loop does
// not make alerter hold more than MaxAcks ended or expired ones: those
// that ended longest ago go first, from memory and from the store.
func TestEndedAcksBounded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k, st := open(t, dir)
	k.SetLimits(ack.Limits{MaxAcks: 3})
	var last []string
	for i := range 10 {
		at := t0.Add(time.Duration(i) * time.Minute)
		a, err := k.Create(ctx, ack.Request{By: "loop", ExpiresAt: at.Add(time.Second)}, []*alert.Alert{firing("a")}, at)
		if err != nil {
			t.Fatalf("ack %d: %v", i, err)
		}
		last = append(last, a.ID)
	}
	got := k.List()
	// The newest is still in effect at its creation; 3 expired ones stay.
	if len(got) != 4 || got[0].ID != last[9] || got[3].ID != last[6] {
		t.Fatalf("kept %d acknowledgements", len(got))
	}
	if rows, err := st.LoadAcks(ctx); err != nil || len(rows) != 4 {
		t.Fatalf("%d rows stored, %v; want 4", len(rows), err)
	}
}
