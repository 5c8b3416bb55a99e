package inhibit

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// firingSource is the Cache's Firing: the alerts a test sets, and how
// many times the cache read them.
type firingSource struct {
	mu    sync.Mutex
	ls    []model.LabelSet
	calls atomic.Int64
}

func (f *firingSource) set(ls ...model.LabelSet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ls = ls
}

func (f *firingSource) firing() []model.LabelSet {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ls
}

const cacheRules = `
- source_matchers: ['severity="critical"']
  target_matchers: ['severity="warning"']
  equal: [cluster]
`

var (
	critA = model.LabelSet{"alertname": "Down", "severity": "critical", "cluster": "a"}
	warnA = model.LabelSet{"alertname": "Slow", "severity": "warning", "cluster": "a"}
	warnB = model.LabelSet{"alertname": "Slow", "severity": "warning", "cluster": "b"}
)

func newTestCache(t *testing.T, ih *Inhibitor) (*Cache, *firingSource, *atomic.Pointer[Inhibitor]) {
	t.Helper()
	src := &firingSource{}
	var cur atomic.Pointer[Inhibitor]
	cur.Store(ih)
	return NewCache(CacheOptions{Inhibitor: cur.Load, Firing: src.firing}), src, &cur
}

func TestCacheInhibitedBy(t *testing.T) {
	c, src, _ := newTestCache(t, mustNew(t, cacheRules))
	src.set(critA, warnA, warnB)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		target model.LabelSet
		by     model.Fingerprint
		ok     bool
	}{
		{"target with a source in its cluster", warnA, critA.Fingerprint(), true},
		{"target with no source in its cluster", warnB, 0, false},
		{"the source itself", critA, 0, false},
		{"matches no rule", model.LabelSet{"alertname": "X"}, 0, false},
	} {
		by, ok := c.InhibitedBy(tc.target, now)
		if ok != tc.ok || by != tc.by {
			t.Errorf("%s: InhibitedBy = %v, %v; want %v, %v", tc.name, by, ok, tc.by, tc.ok)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("the firing alerts were read %d times for 4 questions at one time, want once", n)
	}
}

func TestCacheNoRules(t *testing.T) {
	c, src, _ := newTestCache(t, nil)
	src.set(critA, warnA)
	if by, ok := c.InhibitedBy(warnA, time.Now()); ok {
		t.Errorf("inhibited by %v without inhibition rules", by)
	}
	if n := src.calls.Load(); n != 0 {
		t.Errorf("the firing alerts were read %d times without inhibition rules", n)
	}
}

// TestCacheRebuilds: the snapshot is reused within a second, and rebuilt
// after it or as soon as the inhibition rules change.
func TestCacheRebuilds(t *testing.T) {
	c, src, cur := newTestCache(t, mustNew(t, cacheRules))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	src.set(critA)
	ask := func(at time.Time, wantOK bool, wantCalls int64) {
		t.Helper()
		if _, ok := c.InhibitedBy(warnA, at); ok != wantOK {
			t.Errorf("at +%v: inhibited %v, want %v", at.Sub(t0), ok, wantOK)
		}
		if n := src.calls.Load(); n != wantCalls {
			t.Errorf("at +%v: the firing alerts were read %d times, want %d", at.Sub(t0), n, wantCalls)
		}
	}
	ask(t0, true, 1)
	// The source resolves: the snapshot still says what it said for up
	// to a second.
	src.set()
	ask(t0.Add(500*time.Millisecond), true, 1)
	ask(t0.Add(time.Second), true, 1)
	ask(t0.Add(time.Second+time.Millisecond), false, 2)
	ask(t0.Add(1500*time.Millisecond), false, 2)

	// A reload changes the rules: rebuilt at once, within the second.
	src.set(critA)
	cur.Store(mustNew(t, `
- source_matchers: ['severity="critical"']
  target_matchers: ['severity="warning"']
`))
	ask(t0.Add(1600*time.Millisecond), true, 3)
	if _, ok := c.InhibitedBy(warnB, t0.Add(1700*time.Millisecond)); !ok {
		t.Error("the new rule (no equal labels) does not inhibit warnB")
	}
	// Rules removed: nothing is inhibited, and nothing is read.
	cur.Store(nil)
	ask(t0.Add(1800*time.Millisecond), false, 3)
}

// TestCacheConcurrent asks from many goroutines while the firing alerts
// and the rules change (run with -race).
func TestCacheConcurrent(t *testing.T) {
	ih1, ih2 := mustNew(t, cacheRules), mustNew(t, cacheRules)
	c, src, cur := newTestCache(t, ih1)
	src.set(critA)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				at := t0.Add(time.Duration(g*200+i) * 10 * time.Millisecond)
				if _, ok := c.InhibitedBy(warnA, at); !ok {
					t.Errorf("warnA not inhibited at +%v", at.Sub(t0))
					return
				}
				if _, ok := c.InhibitedBy(warnB, at); ok {
					t.Errorf("warnB inhibited at +%v", at.Sub(t0))
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			if i%2 == 0 {
				cur.Store(ih2)
			} else {
				cur.Store(ih1)
			}
			src.set(critA, warnB)
		}
	})
	wg.Wait()
	if src.calls.Load() == 0 {
		t.Error("the firing alerts were never read")
	}
}
