package ingest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

var t0 = time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC)

// memStore is a state store in memory, for unit tests: Commit applies a
// batch whole or, while failing is set, not at all.
type memStore struct {
	mu      sync.Mutex
	alerts  map[alert.Key]*alert.Alert
	events  []*alert.Event
	commits int
	failing bool
}

func newMemStore() *memStore { return &memStore{alerts: map[alert.Key]*alert.Alert{}} }

func (s *memStore) LoadAlerts(context.Context) ([]*alert.Alert, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*alert.Alert
	for _, a := range s.alerts {
		out = append(out, a.Clone())
	}
	return out, nil
}

func (s *memStore) Commit(_ context.Context, b *state.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing {
		return errors.New("disk full")
	}
	s.commits++
	for _, a := range b.Upserts {
		s.alerts[a.Key] = a.Clone()
	}
	for _, k := range b.Deletes {
		delete(s.alerts, k)
	}
	s.events = append(s.events, b.Events...)
	return nil
}

func (s *memStore) setFailing(f bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = f
}

// takeEvents returns the events committed since the last call, as
// "firing:name" / "resolved:name" in order.
func (s *memStore) takeEvents() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.events {
		out = append(out, e.Kind.String()+":"+string(e.Alert.Labels["alertname"]))
	}
	s.events = nil
	return strings.Join(out, ",")
}

func (s *memStore) stored() []*alert.Alert {
	all, _ := s.LoadAlerts(context.Background())
	sort.Slice(all, func(i, j int) bool { return all[i].Labels.String() < all[j].Labels.String() })
	return all
}

func newTestIngester(t *testing.T, st Store, mod func(*Options)) *Ingester {
	t.Helper()
	o := Options{Store: st}
	if mod != nil {
		mod(&o)
	}
	in, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func restored(t *testing.T, st Store, now time.Time) *Ingester {
	t.Helper()
	in := newTestIngester(t, st, nil)
	if err := in.Restore(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	return in
}

// pa is a pushed alert named name on instance inst.
func pa(name, inst string, startsAt, endsAt time.Time) Alert {
	return Alert{
		Labels:       model.LabelSet{"alertname": model.LabelValue(name), "instance": model.LabelValue(inst)},
		Annotations:  model.LabelSet{"summary": model.LabelValue(fmt.Sprintf("%s on %s", name, inst))},
		StartsAt:     startsAt,
		EndsAt:       endsAt,
		GeneratorURL: "http://prometheus:9090/graph?g0.expr=up",
	}
}

func push(t *testing.T, in *Ingester, now time.Time, as ...Alert) {
	t.Helper()
	if err := in.Push(context.Background(), as, now); err != nil {
		t.Fatalf("Push: %v", err)
	}
}

func firingNames(in *Ingester) string {
	var out []string
	for _, a := range in.Alerts() {
		out = append(out, string(a.Labels["alertname"])+"/"+string(a.Labels["instance"]))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
