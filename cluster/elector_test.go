package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/alerter/alerter/state"
)

// fakeLeases is a lease store in memory with the semantics of the real
// ones (state/storetest checks those), whose clock is the bubble's, and
// whose holders can be cut off: calls of a cut-off holder hang until their
// context ends, as with a network partition.
type fakeLeases struct {
	mu      sync.Mutex
	holder  string
	epoch   int64
	expires time.Time
	cut     map[string]bool
	down    bool
}

var errDown = errors.New("connection refused")

func (f *fakeLeases) enter(ctx context.Context, holder string) error {
	f.mu.Lock()
	cut, down := f.cut[holder], f.down
	f.mu.Unlock()
	if cut {
		<-ctx.Done()
		return ctx.Err()
	}
	if down {
		return errDown
	}
	return nil
}

func (f *fakeLeases) AcquireLease(ctx context.Context, holder string, ttl time.Duration) (state.Lease, error) {
	if err := f.enter(ctx, holder); err != nil {
		return state.Lease{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.holder != "" && f.holder != holder && now.Before(f.expires) {
		return state.Lease{Holder: f.holder, Epoch: f.epoch, Remaining: f.expires.Sub(now)}, nil
	}
	prev := ""
	if f.holder != "" && f.holder != holder {
		prev = f.holder
	}
	f.holder, f.epoch, f.expires = holder, f.epoch+1, now.Add(ttl)
	return state.Lease{Held: true, Holder: holder, Epoch: f.epoch, Previous: prev, Remaining: ttl}, nil
}

func (f *fakeLeases) RenewLease(ctx context.Context, holder string, epoch int64, ttl time.Duration) (state.Lease, error) {
	if err := f.enter(ctx, holder); err != nil {
		return state.Lease{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.holder != holder || f.epoch != epoch || !now.Before(f.expires) {
		return state.Lease{}, fmt.Errorf("term %d: %w", epoch, state.ErrFenced)
	}
	f.expires = now.Add(ttl)
	return state.Lease{Held: true, Holder: holder, Epoch: epoch, Remaining: ttl}, nil
}

func (f *fakeLeases) ReleaseLease(ctx context.Context, holder string, epoch int64) error {
	if err := f.enter(ctx, holder); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holder == holder && f.epoch == epoch {
		f.holder, f.expires = "", time.Time{}
	}
	return nil
}

func (f *fakeLeases) setCut(holder string, cut bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cut == nil {
		f.cut = map[string]bool{}
	}
	f.cut[holder] = cut
}

func (f *fakeLeases) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// expiry returns when the current holder's lease expires in the store.
func (f *fakeLeases) expiry() (string, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.holder, f.expires
}

// replica is one Elector and what its Lead saw.
type replica struct {
	e      *Elector
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	terms  []int64     // epochs Lead ran for
	ended  []time.Time // when each term's context ended
	active bool
	fail   error // Lead returns it at once when set
}

const ttl = 15 * time.Second

func startReplica(t *testing.T, store LeaseStore, name string, fail error) *replica {
	t.Helper()
	r := &replica{reg: prometheus.NewRegistry(), done: make(chan struct{}), fail: fail}
	e, err := NewElector(ElectorOptions{
		Store: store, Holder: name, TTL: ttl, Registerer: r.reg,
		Lead: func(ctx context.Context, epoch int64) error {
			r.mu.Lock()
			r.terms = append(r.terms, epoch)
			r.active = true
			fail := r.fail
			r.mu.Unlock()
			if fail != nil {
				r.mu.Lock()
				r.active = false
				r.mu.Unlock()
				return fail
			}
			<-ctx.Done()
			r.mu.Lock()
			r.active = false
			r.ended = append(r.ended, time.Now())
			r.mu.Unlock()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.e = e
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { defer close(r.done); e.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) stop() {
	r.cancel()
	<-r.done
}

func (r *replica) leading() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active
}

func (r *replica) termsSeen() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.terms...)
}

// TestElectorLeadsAndHandsOverOnShutdown: the first replica leads; the
// second follows; a clean shutdown stops the work, releases the lease, and
// the follower (woken, as a change notification would) takes over at once.
func TestElectorLeadsAndHandsOverOnShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &fakeLeases{}
		a := startReplica(t, store, "a", nil)
		synctest.Wait()
		b := startReplica(t, store, "b", nil)
		synctest.Wait()
		if !a.leading() || b.leading() || !a.e.Settled() || !b.e.Settled() {
			t.Fatalf("a leading %v, b leading %v", a.leading(), b.leading())
		}
		epoch, ok := a.e.Leading()
		if !ok || !a.e.Valid(epoch) || a.e.Valid(epoch+1) || b.e.Valid(epoch) {
			t.Fatalf("Leading = %d %v; Valid wrong", epoch, ok)
		}
		if got := testutil.ToFloat64(a.e.metrics.leader); got != 1 {
			t.Errorf("alerter_leader of a = %v", got)
		}
		// Renewals keep the term for much longer than the TTL.
		time.Sleep(10 * ttl)
		synctest.Wait()
		if !a.leading() || len(a.termsSeen()) != 1 || b.leading() {
			t.Fatalf("after 10 TTLs: a terms %v, b leading %v", a.termsSeen(), b.leading())
		}
		start := time.Now()
		a.stop()
		if a.leading() {
			t.Fatal("a's work still runs after Run returned")
		}
		if h, _ := store.expiry(); h != "" {
			t.Fatalf("lease still held by %q after a clean shutdown", h)
		}
		b.e.Wake()
		synctest.Wait()
		if !b.leading() || time.Since(start) != 0 {
			t.Fatalf("b leading %v after %v: a woken follower takes over at once", b.leading(), time.Since(start))
		}
		if got := b.termsSeen(); len(got) != 1 || got[0] <= epoch {
			t.Fatalf("b's terms %v, want one after %d", got, epoch)
		}
		if got := testutil.ToFloat64(b.e.metrics.failovers); got != 0 {
			t.Errorf("a clean hand-over counted as a failover: %v", got)
		}
	})
}

// TestFailoverWithinTwoTTLs: the leader is cut off (it died, or its network
// did): it steps down by its own clock before its lease can expire in the
// store, and the follower takes over within two TTLs.
func TestFailoverWithinTwoTTLs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &fakeLeases{}
		a := startReplica(t, store, "a", nil)
		synctest.Wait()
		b := startReplica(t, store, "b", nil)
		time.Sleep(ttl / 2)
		synctest.Wait()
		cutAt := time.Now()
		store.setCut("a", true)
		_, expires := store.expiry()
		for !b.leading() {
			time.Sleep(100 * time.Millisecond)
			synctest.Wait()
			if time.Since(cutAt) > 3*ttl {
				t.Fatal("no takeover within 3 TTLs")
			}
		}
		if took := time.Since(cutAt); took > 2*ttl {
			t.Errorf("failover took %v, want within 2 TTLs (%v)", took, 2*ttl)
		}
		a.mu.Lock()
		ended := a.ended
		a.mu.Unlock()
		if len(ended) != 1 || !ended[0].Before(expires) {
			t.Fatalf("a's term ended at %v, want before its lease expired in the store at %v", ended, expires)
		}
		if a.e.Valid(1) {
			t.Error("a still considers its term valid")
		}
		if got := testutil.ToFloat64(b.e.metrics.failovers); got != 1 {
			t.Errorf("alerter_failovers_total of b = %v, want 1", got)
		}
		if got := testutil.ToFloat64(a.e.metrics.renewFailures); got == 0 {
			t.Error("a's renewal failures were not counted")
		}
		// a comes back: it follows.
		store.setCut("a", false)
		time.Sleep(ttl)
		synctest.Wait()
		if a.leading() || !b.leading() {
			t.Fatalf("after a came back: a leading %v, b leading %v", a.leading(), b.leading())
		}
	})
}

// TestStoreOutage: with the store down nobody leads; when it is back one
// replica leads again.
func TestStoreOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &fakeLeases{}
		a := startReplica(t, store, "a", nil)
		b := startReplica(t, store, "b", nil)
		synctest.Wait()
		store.setDown(true)
		time.Sleep(ttl)
		synctest.Wait()
		if a.leading() || b.leading() {
			t.Fatalf("someone leads with the store down: a %v, b %v", a.leading(), b.leading())
		}
		time.Sleep(time.Minute)
		store.setDown(false)
		time.Sleep(ttl)
		synctest.Wait()
		if a.leading() == b.leading() {
			t.Fatalf("after the outage: a %v, b %v; want exactly one leader", a.leading(), b.leading())
		}
	})
}

// TestLeadFailureGivesUp: a leader whose work cannot start gives the lease
// up for another replica.
func TestLeadFailureGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &fakeLeases{}
		a := startReplica(t, store, "a", errors.New("restoring state failed"))
		synctest.Wait()
		if got := a.termsSeen(); len(got) != 1 {
			t.Fatalf("a's terms %v", got)
		}
		b := startReplica(t, store, "b", nil)
		time.Sleep(ttl)
		synctest.Wait()
		if !b.leading() {
			t.Fatal("b did not take the lease a gave up")
		}
	})
}
