package cluster

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// fakeChanges is a change source whose notifications the test sends (or
// drops) and whose versions it bumps.
type fakeChanges struct {
	mu       sync.Mutex
	versions map[string]int64
	notes    chan string
	down     bool
}

func (f *fakeChanges) ChangeVersions(ctx context.Context) (map[string]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errDown
	}
	out := map[string]int64{}
	for k, v := range f.versions {
		out[k] = v
	}
	return out, nil
}

func (f *fakeChanges) ListenChanges(ctx context.Context, fn func(string)) error {
	fn("")
	for {
		select {
		case <-ctx.Done():
			return nil
		case t := <-f.notes:
			fn(t)
		}
	}
}

func (f *fakeChanges) bump(topic string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions[topic]++
}

type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) on(_ context.Context, topic string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, topic)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	slices.Sort(out)
	return out
}

func TestWatcher(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &fakeChanges{versions: map[string]int64{"silences": 3, "acks": 1}, notes: make(chan string)}
		rec := &recorder{}
		w := NewWatcher(WatcherOptions{Source: src, Topics: []string{"acks", "silences"}, OnChange: rec.on, Poll: time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx) }()
		synctest.Wait()
		// At the start everything is reloaded (the listener starting and
		// the first poll may each cause it).
		if got := slices.Compact(rec.take()); !slices.Equal(got, []string{"acks", "silences"}) {
			t.Fatalf("at start %v", got)
		}
		// A notification: at once.
		src.notes <- "silences"
		synctest.Wait()
		if got := rec.take(); !slices.Equal(got, []string{"silences"}) {
			t.Fatalf("after a notification %v", got)
		}
		// A topic nobody asked for is ignored.
		src.notes <- "lease"
		synctest.Wait()
		if got := rec.take(); len(got) != 0 {
			t.Fatalf("unwatched topic delivered: %v", got)
		}
		// A lost notification: the version moves, seen within Poll.
		src.bump("acks")
		time.Sleep(time.Second)
		synctest.Wait()
		if got := rec.take(); !slices.Equal(got, []string{"acks"}) {
			t.Fatalf("after a version bump %v", got)
		}
		// Nothing changes: nothing reloads.
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if got := rec.take(); len(got) != 0 {
			t.Fatalf("reloads without changes: %v", got)
		}
		cancel()
		<-done
	})
}

// fakeAlertStore counts loads and can fail.
type fakeAlertStore struct {
	mu    sync.Mutex
	loads int
	fail  bool
	as    []*alert.Alert
}

func (f *fakeAlertStore) LoadAlerts(context.Context) ([]*alert.Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads++
	if f.fail {
		return nil, errors.New("connection refused")
	}
	return f.as, nil
}

func (f *fakeAlertStore) LoadGroupStatus(context.Context) ([]state.GroupStatus, error) {
	return []state.GroupStatus{{Group: "g"}}, nil
}

func TestView(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &fakeAlertStore{as: []*alert.Alert{
			{Key: alert.Key{RuleID: "r", ID: 1}, State: alert.StateFiring},
			{Key: alert.Key{RuleID: "r", ID: 2}, State: alert.StateInactive},
		}}
		v := NewView(src, time.Second, nil)
		if got := v.Alerts(); len(got) != 1 || got[0].Key.ID != 1 {
			t.Fatalf("Alerts = %+v, want the firing one", got)
		}
		v.Alerts()
		if src.loads != 1 {
			t.Fatalf("%d loads within maxAge, want 1", src.loads)
		}
		v.Invalidate()
		v.Alerts()
		time.Sleep(2 * time.Second)
		v.Alerts()
		if src.loads != 3 {
			t.Fatalf("%d loads, want 3 (start, invalidated, aged)", src.loads)
		}
		// The store is down: the last copy is served, and not every read
		// asks the store again.
		src.fail = true
		time.Sleep(2 * time.Second)
		for range 5 {
			if got := v.Alerts(); len(got) != 1 {
				t.Fatalf("during an outage Alerts = %+v, want the last copy", got)
			}
		}
		if src.loads != 4 {
			t.Fatalf("%d loads during the outage, want one attempt", src.loads)
		}
	})
}
