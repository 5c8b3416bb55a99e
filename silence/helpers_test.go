package silence

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alerter/alerter/matcher"
)

// t0 is a base time with nanoseconds, so that truncation would show.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

// memStore is an in-memory Store that can be told to fail.
type memStore struct {
	mu      sync.Mutex
	rows    map[string]*Silence
	fail    error // returned by every call while set
	saves   int
	deletes int
}

func newMemStore() *memStore { return &memStore{rows: map[string]*Silence{}} }

func (m *memStore) LoadSilences(context.Context) ([]*Silence, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	var out []*Silence
	for _, s := range m.rows {
		out = append(out, s.clone())
	}
	return out, nil
}

func (m *memStore) SaveSilence(_ context.Context, s *Silence) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.saves++
	m.rows[s.ID] = s.clone()
	return nil
}

func (m *memStore) DeleteSilences(_ context.Context, ids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for _, id := range ids {
		m.deletes++
		delete(m.rows, id)
	}
	return nil
}

func (m *memStore) setFail(err error) {
	m.mu.Lock()
	m.fail = err
	m.mu.Unlock()
}

func (m *memStore) get(id string) *Silence {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rows[id]
}

var errDisk = errors.New("disk on fire")

// newTest returns Silences over a fresh memStore.
func newTest(t testing.TB, o Options) (*Silences, *memStore) {
	t.Helper()
	st := newMemStore()
	if o.Store == nil {
		o.Store = st
	}
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, st
}

// ms parses matchers or fails the test.
func ms(t testing.TB, s string) matcher.Matchers {
	t.Helper()
	m, err := matcher.Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return m
}

// sil returns a silence with the given matchers from start to end.
func sil(t testing.TB, matchers string, start, end time.Time) *Silence {
	t.Helper()
	return &Silence{Matchers: ms(t, matchers), StartsAt: start, EndsAt: end, CreatedBy: "me", Comment: "test"}
}

// mustSet creates or updates a silence and returns its ID.
func mustSet(t testing.TB, s *Silences, in *Silence, now time.Time) string {
	t.Helper()
	id, err := s.Set(context.Background(), in, now)
	if err != nil {
		t.Fatalf("Set(%v): %v", in.Matchers, err)
	}
	return id
}

func mustGet(t testing.TB, s *Silences, id string) *Silence {
	t.Helper()
	g, err := s.Get(id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return g
}

func ids(sils []*Silence) []string {
	out := make([]string, len(sils))
	for i, s := range sils {
		out[i] = s.ID
	}
	return out
}

func sortedIDs(sils []*Silence) []string { return slices.Sorted(slices.Values(ids(sils))) }
