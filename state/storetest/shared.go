package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/state"
)

func shared(t *testing.T, s Store) Shared {
	t.Helper()
	sh, ok := s.(Shared)
	if !ok {
		t.Fatalf("%T does not implement storetest.Shared", s)
	}
	return sh
}

// testSharedLease: two replicas on one database see one lease, and the
// writes of one replica's deposed term are refused when the other holds it.
func testSharedLease(t *testing.T, h Harness) {
	ctx := context.Background()
	s1, db := open(t, h, "")
	s2, _ := open(t, h, db)
	l1 := acquire(t, s1, "r1", time.Hour)
	if l2 := acquire(t, s2, "r2", time.Hour); !l1.Held || l2.Held || l2.Holder != "r1" {
		t.Fatalf("r1 %+v, r2 %+v: want r1 alone to hold the lease", l1, l2)
	}
	if err := s1.ReleaseLease(ctx, "r1", l1.Epoch); err != nil {
		t.Fatal(err)
	}
	l2 := acquire(t, s2, "r2", time.Hour)
	if !l2.Held || l2.Epoch <= l1.Epoch {
		t.Fatalf("r2 after r1 released = %+v", l2)
	}
	a := SampleAlert("r", 1)
	err := h.Fence(s1, l1.Epoch).Commit(ctx, &state.Batch{Group: "g", EvaluatedAt: T0, Upserts: []*alert.Alert{a}})
	if !errors.Is(err, state.ErrFenced) {
		t.Fatalf("r1's deposed term committed: %v", err)
	}
	commit(t, h.Fence(s2, l2.Epoch), &state.Batch{Group: "g", EvaluatedAt: T0, Upserts: []*alert.Alert{a}})
	CheckAlerts(t, s1, a)
}

// testChangeVersions: every write others must know of bumps its topic's
// version.
func testChangeVersions(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	sh := shared(t, s)
	versions := func() map[string]int64 {
		t.Helper()
		v, err := sh.ChangeVersions(ctx)
		if err != nil {
			t.Fatalf("ChangeVersions: %v", err)
		}
		return v
	}
	l := acquire(t, s, "a", time.Hour)
	fenced := h.Fence(s, l.Epoch)
	a := SampleAlert("r", 1)
	for _, tc := range []struct {
		topic string
		write func() error
	}{
		{state.TopicSilences, func() error {
			return s.SaveSilence(ctx, &silence.Silence{ID: "s", Matchers: parseMatchers(t, `{a="b"}`), StartsAt: T0, EndsAt: T0.Add(time.Hour)})
		}},
		{state.TopicSilences, func() error { return s.DeleteSilences(ctx, []string{"s"}) }},
		{state.TopicAcks, func() error {
			return s.SaveAck(ctx, &ack.Ack{Ack: alert.Ack{ID: "k", By: "me", At: T0}, Targets: []ack.Target{{Key: a.Key}}})
		}},
		{state.TopicAcks, func() error { return s.DeleteAcks(ctx, []string{"k"}) }},
		{state.TopicWindows, func() error {
			return s.SaveWindow(ctx, silence.Window{Name: "w", Schedule: "0 2 * * *", Duration: 3600, Matchers: parseMatchers(t, `{a="b"}`)})
		}},
		{state.TopicWindows, func() error { return s.DeleteWindow(ctx, "w") }},
		{state.TopicAlerts, func() error {
			return fenced.Commit(ctx, &state.Batch{Group: "g", EvaluatedAt: T0, Upserts: []*alert.Alert{a}})
		}},
		{state.TopicLease, func() error { return s.ReleaseLease(ctx, "a", l.Epoch) }},
	} {
		before := versions()
		if err := tc.write(); err != nil {
			t.Fatalf("write to %s: %v", tc.topic, err)
		}
		after := versions()
		if after[tc.topic] <= before[tc.topic] {
			t.Errorf("%s version %d -> %d after a write, want it to grow", tc.topic, before[tc.topic], after[tc.topic])
		}
	}
}

// testListenChanges: a replica listening hears another replica's writes.
func testListenChanges(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s1, db := open(t, h, "")
	s2, _ := open(t, h, db)
	var (
		mu    sync.Mutex
		heard []string
	)
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var once sync.Once
		done <- shared(t, s2).ListenChanges(ctx, func(topic string) {
			if topic == "" {
				once.Do(func() { close(ready) }) // listening
				return
			}
			mu.Lock()
			heard = append(heard, topic)
			mu.Unlock()
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("ListenChanges returned before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("ListenChanges never said it was listening")
	}
	if err := s1.SaveSilence(ctx, &silence.Silence{ID: "s", Matchers: parseMatchers(t, `{a="b"}`), StartsAt: T0, EndsAt: T0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s1.SaveAck(ctx, &ack.Ack{Ack: alert.Ack{ID: "k", By: "me", At: T0}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener to hear both writes", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(heard, state.TopicSilences) && slices.Contains(heard, state.TopicAcks)
	})
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("ListenChanges did not return after its context ended")
	}
}

// testReplicas: replicas report themselves; the list shows who was seen
// lately and who leads; a replica that leaves is removed.
func testReplicas(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	sh := shared(t, s)
	r1 := state.Replica{ID: "id-1", Name: "alerter-1", Address: "http://10.0.0.1:9095"}
	r2 := state.Replica{ID: "id-2", Name: "alerter-2", Address: "http://10.0.0.2:9095"}
	for _, r := range []state.Replica{r1, r2, r1} {
		if err := sh.Heartbeat(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	acquire(t, s, "id-2", time.Hour)
	got, err := sh.Replicas(ctx, time.Minute)
	if err != nil || len(got) != 2 {
		t.Fatalf("Replicas = %+v, %v", got, err)
	}
	slices.SortFunc(got, func(a, b state.Replica) int { return strings.Compare(a.ID, b.ID) })
	if got[0].Name != r1.Name || got[0].Address != r1.Address || got[0].Leader || !got[1].Leader || got[1].SeenAgo < 0 || got[1].SeenAgo > time.Minute {
		t.Errorf("Replicas = %+v", got)
	}
	if err := sh.RemoveReplica(ctx, "id-1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := sh.Replicas(ctx, time.Minute); len(got) != 1 || got[0].ID != "id-2" {
		t.Errorf("after removal %+v", got)
	}
	time.Sleep(50 * time.Millisecond)
	if got, _ := sh.Replicas(ctx, time.Millisecond); len(got) != 0 {
		t.Errorf("replicas not seen within 1ms listed: %+v", got)
	}
}
