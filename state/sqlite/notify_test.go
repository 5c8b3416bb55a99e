package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/alerter/alerter/state"
)

func TestNotifyStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f := &state.Flush{
		At: at,
		Nflog: []state.NflogEntry{
			{Receiver: "r", Integration: "slack/0", GroupKey: "g1", Firing: []uint64{1, 1 << 63}, SentAt: at},
			{Receiver: "r", Integration: "slack/0", GroupKey: "g2", Resolved: []uint64{2}, SentAt: at},
		},
		Notifications: []*state.Notification{
			{Receiver: "r", Integration: "slack/0", GroupKey: "g1", Message: []byte(`{"a":1}`), CreatedAt: at},
			{Receiver: "r", Integration: "slack/0", GroupKey: "g1", Message: []byte(`{"a":2}`), CreatedAt: at},
			{Receiver: "r", Integration: "webhook/0", GroupKey: "g2", Message: []byte(`{"b":1}`), CreatedAt: at},
		},
	}
	if err := s.ApplyFlush(ctx, f); err != nil {
		t.Fatal(err)
	}
	if f.Notifications[0].ID == 0 || f.Notifications[1].ID <= f.Notifications[0].ID {
		t.Fatalf("ids not assigned in order: %+v", f.Notifications)
	}
	pend, err := s.PendingNotifications(ctx, "r", "slack/0", 10)
	if err != nil || len(pend) != 2 || string(pend[1].Message) != `{"a":2}` {
		t.Fatalf("pending %+v %v", pend, err)
	}
	if err := s.CompleteNotification(ctx, pend[0], at, map[string]string{"ts": "1.2"}); err != nil {
		t.Fatal(err)
	}
	st, err := s.IntegrationState(ctx, "r", "slack/0", "g1")
	if err != nil || st["ts"] != "1.2" {
		t.Fatalf("state %v %v", st, err)
	}
	depth, err := s.NotificationDepth(ctx)
	if err != nil || depth["r"] != 2 {
		t.Fatalf("depth %v %v", depth, err)
	}
	// Restart: everything is there.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	log, err := s.LoadNflog(ctx)
	if err != nil || len(log) != 2 {
		t.Fatalf("nflog %+v %v", log, err)
	}
	for _, e := range log {
		if e.GroupKey == "g1" && (len(e.Firing) != 2 || e.Firing[1] != 1<<63 || !e.SentAt.Equal(at)) {
			t.Fatalf("nflog entry %+v", e)
		}
	}
	// Deleting a group's nflog entry drops its integration state too.
	if err := s.ApplyFlush(ctx, &state.Flush{At: at, DeleteNflog: []state.NflogEntry{{Receiver: "r", Integration: "slack/0", GroupKey: "g1"}}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.IntegrationState(ctx, "r", "slack/0", "g1"); len(st) != 0 {
		t.Fatalf("state kept after the group ended: %v", st)
	}
}

func TestTrimNotificationsDropsSupersededFirst(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var ns []*state.Notification
	for _, g := range []string{"a", "b", "a", "c", "a"} {
		ns = append(ns, &state.Notification{Receiver: "r", Integration: "w/0", GroupKey: g, Message: []byte(g), CreatedAt: at})
	}
	if err := s.ApplyFlush(ctx, &state.Flush{At: at, Notifications: ns}); err != nil {
		t.Fatal(err)
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
}

func TestPruneNotificationsKeepsUndelivered(t *testing.T) {
	s := openTest(t, t.TempDir())
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
	n, err := s.PruneNotifications(ctx, at.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d %v", n, err)
	}
	if pend, _ := s.PendingNotifications(ctx, "r", "w/0", 10); len(pend) != 1 {
		t.Fatalf("undelivered notification pruned: %d left", len(pend))
	}
}
