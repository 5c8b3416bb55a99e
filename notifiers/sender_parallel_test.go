package notifiers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestSenderDeliversGroupsInParallel: with Parallel 4, a receiver that takes
// a second per request gets four groups' requests at once, never more, and
// each group's messages still arrive one after another, in order.
func TestSenderDeliversGroupsInParallel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu                sync.Mutex
			inFlight, maxSeen int
			busy              = map[string]bool{}
		)
		fake := &senderFake{result: func(_ context.Context, _ int, m *Message) (bool, error) {
			mu.Lock()
			if busy[m.GroupKey] {
				mu.Unlock()
				t.Errorf("two messages of group %s sent at once", m.GroupKey)
				return false, nil
			}
			busy[m.GroupKey] = true
			inFlight++
			maxSeen = max(maxSeen, inFlight)
			mu.Unlock()
			time.Sleep(time.Second)
			mu.Lock()
			inFlight--
			busy[m.GroupKey] = false
			mu.Unlock()
			return false, nil
		}}
		e := newSenderEnv(t, fake, func(o *SenderOptions) { o.Parallel = 4 })
		start := time.Now()
		var pairs []string
		for i := range 3 {
			for g := range 8 {
				pairs = append(pairs, fmt.Sprintf("g%d:g%d-m%d", g, g, i))
			}
		}
		e.queue(start, pairs...)
		e.run()
		synctest.Wait()
		for time.Since(start) < time.Minute && e.pending() > 0 {
			time.Sleep(100 * time.Millisecond)
			synctest.Wait()
		}
		if n := e.pending(); n != 0 {
			t.Fatalf("%d notifications still pending", n)
		}
		// 24 requests of a second each, four at a time: 6 s, not 24.
		if took := time.Since(start); took > 7*time.Second {
			t.Errorf("delivery took %v of the bubble's clock, want about 6s with 4 groups at a time", took)
		}
		if maxSeen != 4 {
			t.Errorf("at most %d requests at once, want 4", maxSeen)
		}
		perGroup := map[string][]string{}
		for _, a := range fake.snapshot() {
			if !a.ok {
				t.Fatalf("attempt of %s failed", a.id)
			}
			perGroup[a.group] = append(perGroup[a.group], a.id)
		}
		for g := range 8 {
			group := fmt.Sprintf("g%d", g)
			want := fmt.Sprintf("%s-m0 %s-m1 %s-m2", group, group, group)
			if got := strings.Join(perGroup[group], " "); got != want {
				t.Errorf("group %s delivered %q, want %q", group, got, want)
			}
		}
		e.wantCounts(24, 0, 0, 0)
	})
}

// TestSenderRetryAfterHoldsEveryGroup: while groups are delivered at once,
// a Retry-After from one group's request stops the integration: the
// requests already sent finish, and no group's next request starts before
// the wait is over.
func TestSenderRetryAfterHoldsEveryGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		limited := true
		fake := &senderFake{result: func(_ context.Context, _ int, m *Message) (bool, error) {
			mu.Lock()
			l := limited && m.GroupKey == "a"
			mu.Unlock()
			if l {
				return true, senderRetryAfterErr{wait: 30 * time.Second}
			}
			time.Sleep(time.Second)
			return false, nil
		}}
		e := newSenderEnv(t, fake, func(o *SenderOptions) { o.Parallel = 2 })
		start := time.Now()
		e.queue(start, "a:a1", "b:b1", "c:c1", "d:d1", "e:e1")
		e.run()
		synctest.Wait()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		for _, a := range fake.snapshot() {
			if a.group != "a" && a.group != "b" {
				t.Errorf("%s sent %v after the start, while the receiver asked to wait 30s", a.id, a.at.Sub(start))
			}
		}
		mu.Lock()
		limited = false
		mu.Unlock()
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := e.pending(); n != 0 {
			t.Fatalf("%d notifications still pending after the wait", n)
		}
		for _, a := range fake.snapshot() {
			if a.ok && a.group != "b" && a.at.Sub(start) < 30*time.Second {
				t.Errorf("%s delivered %v after the start, inside the 30s wait", a.id, a.at.Sub(start))
			}
		}
	})
}
