package storetest

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/alerter/alerter/state"
)

func testNotifyRoundTrip(t *testing.T, h Harness) {
	s, db := open(t, h, "")
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 10, 0, 0, 123, time.UTC)
	evs := fillOutbox(t, s, 2)
	f := &state.Flush{
		At: at,
		Nflog: []state.NflogEntry{
			{Receiver: "r", Integration: "slack/0", GroupKey: "g1", Firing: []uint64{1, 1 << 63}, Acked: []uint64{1}, Flapping: []uint64{1 << 63}, SentAt: at},
			{Receiver: "r", Integration: "slack/0", GroupKey: "g2", Resolved: []uint64{2}, SentAt: at},
		},
		Notifications: []*state.Notification{
			{Receiver: "r", Integration: "slack/0", GroupKey: "g1", Message: []byte(`{"a":1}`), CreatedAt: at},
			{Receiver: "r", Integration: "slack/0", GroupKey: "g1", Message: []byte{0, 1, 2, 0xff}, CreatedAt: at},
			{Receiver: "r", Integration: "webhook/0", GroupKey: "g2", Message: []byte(`{"b":1}`), CreatedAt: at},
		},
		ConsumedEvents: []int64{evs[0].ID},
	}
	if err := s.ApplyFlush(ctx, f); err != nil {
		t.Fatal(err)
	}
	if f.Notifications[0].ID == 0 || f.Notifications[1].ID <= f.Notifications[0].ID || f.Notifications[2].ID <= f.Notifications[1].ID {
		t.Fatalf("ids not assigned in order: %+v", f.Notifications)
	}
	if got := pendingIDs(t, s, 10); !slices.Equal(got, []int64{evs[1].ID}) {
		t.Errorf("pending events after the flush consumed one = %v, want [%d]", got, evs[1].ID)
	}
	pend, err := s.PendingNotifications(ctx, "r", "slack/0", 10)
	if err != nil || len(pend) != 2 {
		t.Fatalf("pending %+v %v", pend, err)
	}
	for i, n := range pend {
		w := f.Notifications[i]
		if n.ID != w.ID || n.Receiver != "r" || n.Integration != "slack/0" || n.GroupKey != "g1" ||
			!slices.Equal(n.Message, w.Message) || n.CreatedAt != at {
			t.Errorf("pending notification %d = %+v, want %+v", i, n, w)
		}
	}
	if one, err := s.PendingNotifications(ctx, "r", "slack/0", 1); err != nil || len(one) != 1 || one[0].ID != pend[0].ID {
		t.Errorf("PendingNotifications limit 1 = %+v, %v", one, err)
	}
	if n, err := s.PendingCount(ctx, "r", "slack/0"); err != nil || n != 2 {
		t.Errorf("PendingCount = %d, %v; want 2", n, err)
	}
	if st, err := s.IntegrationState(ctx, "r", "slack/0", "g1"); err != nil || st == nil || len(st) != 0 {
		t.Errorf("IntegrationState before any = %#v, %v; want an empty map", st, err)
	}
	if err := s.CompleteNotification(ctx, pend[0], at, map[string]string{"ts": "1.2", "channel": "C1"}); err != nil {
		t.Fatal(err)
	}
	// Completing twice keeps the first completion and the state it saved
	// is replaced only by a non-nil state.
	if err := s.CompleteNotification(ctx, pend[0], at.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	st, err := s.IntegrationState(ctx, "r", "slack/0", "g1")
	if err != nil || !reflect.DeepEqual(st, map[string]string{"ts": "1.2", "channel": "C1"}) {
		t.Fatalf("state %v %v", st, err)
	}
	depth, err := s.NotificationDepth(ctx)
	if err != nil || !reflect.DeepEqual(depth, map[string]int{"r": 2}) {
		t.Fatalf("depth %v %v", depth, err)
	}

	// Restart: everything is there.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, h, db)
	log, err := s.LoadNflog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(log, func(i, j int) bool { return log[i].GroupKey < log[j].GroupKey })
	want := []state.NflogEntry{
		{Receiver: "r", Integration: "slack/0", GroupKey: "g1", Firing: []uint64{1, 1 << 63}, Resolved: []uint64{}, Acked: []uint64{1},
			Flapping: []uint64{1 << 63}, SentAt: at},
		{Receiver: "r", Integration: "slack/0", GroupKey: "g2", Firing: []uint64{}, Resolved: []uint64{2}, Acked: []uint64{}, Flapping: []uint64{}, SentAt: at},
	}
	if !reflect.DeepEqual(log, want) {
		t.Fatalf("nflog\n got %+v\nwant %+v", log, want)
	}
	if pend, err := s.PendingNotifications(ctx, "r", "slack/0", 10); err != nil || len(pend) != 1 || pend[0].ID != f.Notifications[1].ID {
		t.Fatalf("pending after restart %+v %v", pend, err)
	}

	// An entry is replaced by a newer one of the same key.
	upd := want[0]
	upd.Firing, upd.SentAt = []uint64{7}, at.Add(time.Minute)
	if err := s.ApplyFlush(ctx, &state.Flush{At: at, Nflog: []state.NflogEntry{upd}}); err != nil {
		t.Fatal(err)
	}
	log, _ = s.LoadNflog(ctx)
	sort.Slice(log, func(i, j int) bool { return log[i].GroupKey < log[j].GroupKey })
	if len(log) != 2 || !reflect.DeepEqual(log[0], upd) {
		t.Fatalf("nflog after update %+v", log)
	}

	// Deleting a group's nflog entry drops its integration state too.
	if err := s.ApplyFlush(ctx, &state.Flush{At: at, DeleteNflog: []state.NflogEntry{{Receiver: "r", Integration: "slack/0", GroupKey: "g1"}}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.IntegrationState(ctx, "r", "slack/0", "g1"); len(st) != 0 {
		t.Fatalf("state kept after the group ended: %v", st)
	}
	if log, _ := s.LoadNflog(ctx); len(log) != 1 || log[0].GroupKey != "g2" {
		t.Fatalf("nflog after delete %+v", log)
	}
}

// testFlushAtomic: a flush that fails stores nothing of itself.
func testFlushAtomic(t *testing.T, s Store) {
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	evs := fillOutbox(t, s, 1)
	bad := &state.Flush{
		At:             at,
		Nflog:          []state.NflogEntry{{Receiver: "r", Integration: "atomic/0", GroupKey: "x", Firing: []uint64{1}, SentAt: at}},
		Notifications:  []*state.Notification{{Receiver: "r", Integration: "atomic/0", GroupKey: "x", Message: []byte("m"), CreatedAt: at}},
		ConsumedEvents: []int64{evs[0].ID},
		Escalations:    []state.EscalationState{{GroupKey: "x", Reached: 1, Start: time.Unix(0, 0)}}, // unstorable
	}
	if err := s.ApplyFlush(ctx, bad); err == nil {
		t.Fatal("ApplyFlush with an unstorable time succeeded")
	}
	if log, _ := s.LoadNflog(ctx); len(log) != 0 {
		t.Errorf("failed flush left nflog %+v", log)
	}
	if n, _ := s.PendingCount(ctx, "r", "atomic/0"); n != 0 {
		t.Errorf("failed flush left %d notifications", n)
	}
	if got := pendingIDs(t, s, 10); len(got) != 1 {
		t.Errorf("failed flush consumed its event: pending %v", got)
	}
}

func testTrimNotifications(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var ns []*state.Notification
	for _, g := range []string{"a", "b", "a", "c", "a"} {
		ns = append(ns, &state.Notification{Receiver: "r", Integration: "w/0", GroupKey: g, Message: []byte(g), CreatedAt: at})
	}
	// Another integration's outbox is not touched.
	other := &state.Notification{Receiver: "r", Integration: "w/1", GroupKey: "a", Message: []byte("o"), CreatedAt: at}
	if err := s.ApplyFlush(ctx, &state.Flush{At: at, Notifications: append(ns, other)}); err != nil {
		t.Fatal(err)
	}
	if dropped, err := s.TrimNotifications(ctx, "r", "w/0", 5); err != nil || dropped != 0 {
		t.Fatalf("trim within bounds dropped %d %v", dropped, err)
	}
	dropped, err := s.TrimNotifications(ctx, "r", "w/0", 3)
	if err != nil || dropped != 2 {
		t.Fatalf("dropped %d %v", dropped, err)
	}
	pend, _ := s.PendingNotifications(ctx, "r", "w/0", 10)
	got := ""
	for _, n := range pend {
		got += n.GroupKey
	}
	if got != "bca" {
		t.Fatalf("kept %q, want the newest of each group: bca", got)
	}
	if dropped, _ := s.TrimNotifications(ctx, "r", "w/0", 1); dropped != 2 {
		t.Fatalf("second trim dropped %d", dropped)
	}
	if pend, _ := s.PendingNotifications(ctx, "r", "w/0", 10); len(pend) != 1 || pend[0].GroupKey != "a" {
		t.Fatalf("after the second trim %+v, want the newest", pend)
	}
	if n, _ := s.PendingCount(ctx, "r", "w/1"); n != 1 {
		t.Fatalf("trim of w/0 touched w/1: %d left", n)
	}
	testFlushAtomic(t, s)
}

func testPruneNotifications(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f := &state.Flush{At: at, Notifications: []*state.Notification{
		{Receiver: "r", Integration: "w/0", GroupKey: "g", Message: []byte("1"), CreatedAt: at},
		{Receiver: "r", Integration: "w/0", GroupKey: "g", Message: []byte("2"), CreatedAt: at},
	}}
	if err := s.ApplyFlush(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteNotification(ctx, f.Notifications[0], at, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneNotifications(ctx, at); err != nil || n != 0 {
		t.Fatalf("pruned %d %v at the delivery time, want none (strictly older)", n, err)
	}
	n, err := s.PruneNotifications(ctx, at.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d %v", n, err)
	}
	if pend, _ := s.PendingNotifications(ctx, "r", "w/0", 10); len(pend) != 1 {
		t.Fatalf("undelivered notification pruned: %d left", len(pend))
	}
}

func testEscalations(t *testing.T, h Harness) {
	s, db := open(t, h, "")
	ctx := context.Background()
	a := state.EscalationState{GroupKey: "a", Reached: 2, Start: T0, LastAt: T0.Add(time.Minute)}
	b := state.EscalationState{GroupKey: "b", Reached: 1, Start: T0, LastAt: T0, PausedAt: T0.Add(time.Second)}
	if err := s.ApplyFlush(ctx, &state.Flush{At: T0, Escalations: []state.EscalationState{a, b}}); err != nil {
		t.Fatal(err)
	}
	a.Reached, a.LastAt = 3, T0.Add(2*time.Minute)
	if err := s.ApplyFlush(ctx, &state.Flush{At: T0, Escalations: []state.EscalationState{a}, DeleteEscalations: []string{"b", "never"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, h, db)
	got, err := s.LoadEscalations(ctx)
	if err != nil || len(got) != 1 || got[0] != a {
		t.Fatalf("escalations %+v %v, want [%+v]", got, err, a)
	}
}

// testPendingSkipGroups: groups named in skipGroups are left out, the rest
// keep their order and the limit applies to what is left, so one group's
// backlog cannot hide another group's messages.
func testPendingSkipGroups(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f := &state.Flush{At: at}
	for i, g := range []string{"a", "a", "a", "b", "a", "c", "b", `odd "group", {x='y'}`} {
		f.Notifications = append(f.Notifications, &state.Notification{
			Receiver: "r", Integration: "w/0", GroupKey: g, Message: []byte{byte(i)}, CreatedAt: at,
		})
	}
	// Another integration's message of a skipped group is not affected.
	f.Notifications = append(f.Notifications, &state.Notification{Receiver: "r", Integration: "w/1", GroupKey: "a", Message: []byte{9}, CreatedAt: at})
	if err := s.ApplyFlush(ctx, f); err != nil {
		t.Fatal(err)
	}
	ids := func(skip ...string) []int64 {
		t.Helper()
		pend, err := s.PendingNotifications(ctx, "r", "w/0", 3, skip...)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, n := range pend {
			out = append(out, n.ID)
		}
		return out
	}
	n := f.Notifications
	for _, c := range []struct {
		skip []string
		want []int64
	}{
		{nil, []int64{n[0].ID, n[1].ID, n[2].ID}},
		{[]string{}, []int64{n[0].ID, n[1].ID, n[2].ID}},
		{[]string{"a"}, []int64{n[3].ID, n[5].ID, n[6].ID}},
		{[]string{"a", "b"}, []int64{n[5].ID, n[7].ID}},
		{[]string{"a", "c", "unknown"}, []int64{n[3].ID, n[6].ID, n[7].ID}},
		{[]string{"a", "b", "c", `odd "group", {x='y'}`}, nil},
	} {
		if got := ids(c.skip...); !slices.Equal(got, c.want) {
			t.Errorf("PendingNotifications(limit 3, skip %q) = %v, want %v", c.skip, got, c.want)
		}
	}
	if pend, err := s.PendingNotifications(ctx, "r", "w/1", 10, "b"); err != nil || len(pend) != 1 || pend[0].GroupKey != "a" {
		t.Errorf("other integration, skipping b: %+v, %v", pend, err)
	}
}
