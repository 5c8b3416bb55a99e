package notifiers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/sqlite"
)

// The receiver and integration every sender test delivers to.
const (
	sendRecv  = "team"
	sendInteg = "fake/0"
)

// sendAttempt is one call of senderFake.Notify.
type sendAttempt struct {
	at    time.Time
	id    string // the message's GroupLabels["msg"]
	group string
	state map[string]string // m.State as Notify received it
	ok    bool              // Notify returned no error
}

// senderFake records every attempt; result (nil: success) decides
// each attempt's outcome from its 0-based call number.
type senderFake struct {
	mu       sync.Mutex
	attempts []sendAttempt
	result   func(ctx context.Context, call int, m *Message) (bool, error)
}

func (f *senderFake) Notify(ctx context.Context, m *Message) (bool, error) {
	f.mu.Lock()
	call := len(f.attempts)
	f.attempts = append(f.attempts, sendAttempt{
		at: time.Now(), id: string(m.GroupLabels["msg"]), group: m.GroupKey, state: maps.Clone(m.State),
	})
	result := f.result
	f.mu.Unlock()
	retry, err := false, error(nil)
	if result != nil {
		retry, err = result(ctx, call, m)
	}
	if err == nil {
		f.mu.Lock()
		f.attempts[call].ok = true
		f.mu.Unlock()
	}
	return retry, err
}

func (f *senderFake) snapshot() []sendAttempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sendAttempt(nil), f.attempts...)
}

// attemptIDs lists the messages of the attempts, in order ("m1 m1 m2").
func attemptIDs(as []sendAttempt) string {
	var out []string
	for _, a := range as {
		out = append(out, a.id)
	}
	return strings.Join(out, " ")
}

// deliveredIDs lists the messages of the successful attempts, in order.
func deliveredIDs(as []sendAttempt) string {
	var ok []sendAttempt
	for _, a := range as {
		if a.ok {
			ok = append(ok, a)
		}
	}
	return attemptIDs(ok)
}

// senderRetryAfterErr asks for a wait, as Slack's rate limits do.
type senderRetryAfterErr struct{ wait time.Duration }

func (e senderRetryAfterErr) Error() string             { return fmt.Sprintf("rate limited for %v", e.wait) }
func (e senderRetryAfterErr) RetryAfter() time.Duration { return e.wait }

var errSendTransient = errors.New("receiver is down")

// senderEnv is one Sender over a fresh SQLite store, with its own
// registry. Build it inside a synctest bubble; it is stopped in t.Cleanup.
type senderEnv struct {
	t      *testing.T
	store  *sqlite.Store
	reg    *prometheus.Registry
	fake   *senderFake
	s      *Sender
	cancel context.CancelFunc
	done   chan struct{}
}

func newSenderEnv(t *testing.T, fake *senderFake, mod func(*SenderOptions)) *senderEnv {
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e := &senderEnv{t: t, store: st, reg: prometheus.NewRegistry(), fake: fake}
	o := SenderOptions{
		Receiver:       sendRecv,
		Integration:    ReceiverIntegration{Name: sendInteg, Integration: fake, SendResolved: true},
		Store:          st,
		Registerer:     e.reg,
		InitialBackoff: time.Second,
		MaxBackoff:     8 * time.Second,
		PollInterval:   time.Hour, // the tests wake the sender explicitly
		// One group at a time: these tests check the order across groups
		// too; parallel delivery has its own tests (sender_parallel_test.go).
		Parallel: 1,
	}
	if mod != nil {
		mod(&o)
	}
	if e.s, err = NewSender(o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.stop)
	return e
}

// queue stores one flush with a notification per "group:msg" pair, created
// at createdAt, as the dispatcher would.
func (e *senderEnv) queue(createdAt time.Time, pairs ...string) {
	e.t.Helper()
	f := &state.Flush{At: time.Now()}
	for _, p := range pairs {
		group, id, ok := strings.Cut(p, ":")
		if !ok {
			e.t.Fatalf("bad pair %q", p)
		}
		b, err := EncodeMessage(&Message{
			Receiver: sendRecv, GroupKey: group, GroupLabels: model.LabelSet{"msg": model.LabelValue(id)}, At: createdAt,
		})
		if err != nil {
			e.t.Fatal(err)
		}
		f.Notifications = append(f.Notifications, &state.Notification{
			Receiver: sendRecv, Integration: sendInteg, GroupKey: group, Message: b, CreatedAt: createdAt,
		})
	}
	if err := e.store.ApplyFlush(context.Background(), f); err != nil {
		e.t.Fatal(err)
	}
	e.s.Wake()
}

func (e *senderEnv) run() {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan struct{})
	go func() { defer close(e.done); e.s.Run(ctx) }()
}

func (e *senderEnv) stop() {
	if e.cancel != nil {
		e.cancel()
		<-e.done
		e.cancel = nil
	}
	_ = e.store.Close()
}

func (e *senderEnv) pending() int {
	e.t.Helper()
	p, err := e.store.PendingNotifications(context.Background(), sendRecv, sendInteg, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(p)
}

// metric returns the value of the series name{receiver, integration[,
// reason]} of the sender's registry; the series must exist.
func (e *senderEnv) metric(name string, reason ...string) float64 {
	e.t.Helper()
	want := map[string]string{"receiver": sendRecv, "integration": sendInteg}
	if len(reason) > 0 {
		want["reason"] = reason[0]
	}
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(want) {
				continue
			}
			for _, lp := range m.GetLabel() {
				if want[lp.GetName()] != lp.GetValue() {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	e.t.Fatalf("no series %s%v", name, want)
	return 0
}

// wantCounts checks the delivery counters at once.
func (e *senderEnv) wantCounts(sent, retried, retryable, permanent float64) {
	e.t.Helper()
	got := [4]float64{
		e.metric("alerter_notifications_total"),
		e.metric("alerter_notifications_retried_total"),
		e.metric("alerter_notifications_failed_total", "retryable"),
		e.metric("alerter_notifications_failed_total", "permanent"),
	}
	if want := [4]float64{sent, retried, retryable, permanent}; got != want {
		e.t.Errorf("sent, retried, failed{retryable}, failed{permanent} = %v, want %v", got, want)
	}
}

func TestSenderDeliversInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &senderFake{}
		e := newSenderEnv(t, fake, nil)
		// Series exist at zero before anything is sent.
		if n, err := testutil.GatherAndCount(e.reg, "alerter_notifications_failed_total"); err != nil || n != 2 {
			t.Fatalf("failed_total series before any send: %d, %v; want 2 (retryable, permanent)", n, err)
		}
		e.wantCounts(0, 0, 0, 0)

		e.queue(time.Now(), "g1:m1", "g2:m2", "g1:m3", "g3:m4")
		e.queue(time.Now(), "g2:m5", "g3:m6")
		e.run()
		synctest.Wait()
		if got, want := attemptIDs(fake.snapshot()), "m1 m2 m3 m4 m5 m6"; got != want {
			t.Fatalf("attempts %q, want %q", got, want)
		}
		// Queued while the sender idles: Wake delivers at once, not after
		// PollInterval.
		time.Sleep(time.Minute)
		e.queue(time.Now(), "g3:m7", "g1:m8")
		synctest.Wait()
		as := fake.snapshot()
		if got, want := deliveredIDs(as), "m1 m2 m3 m4 m5 m6 m7 m8"; got != want || len(as) != 8 {
			t.Fatalf("delivered %q in %d attempts, want %q in 8", got, len(as), want)
		}
		if !as[6].at.Equal(as[5].at.Add(time.Minute)) {
			t.Errorf("woken sender sent %v after the previous message, want at once (1m0s)", as[6].at.Sub(as[5].at))
		}
		if n := e.pending(); n != 0 {
			t.Errorf("%d notifications still pending", n)
		}
		e.wantCounts(8, 0, 0, 0)
		if d := e.metric("alerter_outbox_depth"); d != 0 {
			t.Errorf("outbox depth %v after delivering everything", d)
		}
	})
}

func TestSenderRetriesWithBackoff(t *testing.T) {
	const failures = 6
	synctest.Test(t, func(t *testing.T) {
		var m1Calls int
		fake := &senderFake{result: func(_ context.Context, _ int, m *Message) (bool, error) {
			if m.GroupLabels["msg"] == "m1" {
				if m1Calls++; m1Calls <= failures {
					return true, errSendTransient
				}
			}
			return false, nil
		}}
		e := newSenderEnv(t, fake, nil) // backoff 1s doubling up to 8s
		e.queue(time.Now(), "g1:m1", "g2:m2", "g1:m3")
		e.run()
		time.Sleep(10 * time.Minute) // far more than the 1+2+4+8+8+8s of backoff
		synctest.Wait()

		as := fake.snapshot()
		// m2 (another group) is not held back by m1; m3 (m1's group) waits
		// for m1.
		if got, want := attemptIDs(as), "m1 m2 "+strings.Repeat("m1 ", failures)+"m3"; got != want {
			t.Fatalf("attempts %q, want %q", got, want)
		}
		if got, want := deliveredIDs(as), "m2 m1 m3"; got != want {
			t.Fatalf("delivered %q, want %q (each group in order, nothing twice)", got, want)
		}
		if !as[1].at.Equal(as[0].at) {
			t.Errorf("m2 sent %v after m1 failed, want at once", as[1].at.Sub(as[0].at))
		}
		var m1 []sendAttempt
		for _, a := range as {
			if a.id == "m1" {
				m1 = append(m1, a)
			}
		}
		// Gaps between attempts of m1: within the documented equal-jitter
		// bounds [d/2, d] for d = 1s, 2s, 4s, 8s (MaxBackoff), 8s, 8s, so
		// they never shrink while the backoff doubles, and never pass
		// MaxBackoff.
		d := time.Second
		var prev time.Duration
		for i := 1; i <= failures; i++ {
			gap := m1[i].at.Sub(m1[i-1].at)
			if gap < d/2 || gap > d {
				t.Errorf("wait before attempt %d: %v, want within [%v, %v]", i+1, gap, d/2, d)
			}
			if gap > 8*time.Second {
				t.Errorf("wait before attempt %d: %v exceeds MaxBackoff 8s", i+1, gap)
			}
			if d < 8*time.Second && gap < prev {
				t.Errorf("wait before attempt %d: %v shorter than the previous %v while backing off", i+1, gap, prev)
			}
			prev = gap
			d = min(2*d, 8*time.Second)
		}
		// After the success the group's backoff is over: m3 goes at once.
		if last := len(as) - 1; !as[last].at.Equal(m1[failures].at) {
			t.Errorf("m3 sent %v after m1 was delivered, want at once", as[last].at.Sub(m1[failures].at))
		}
		if n := e.pending(); n != 0 {
			t.Errorf("%d notifications still pending", n)
		}
		e.wantCounts(3, failures, failures, 0)
	})
}

func TestSenderGivesUpOnPermanentFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &senderFake{result: func(_ context.Context, _ int, m *Message) (bool, error) {
			if m.GroupLabels["msg"] == "m1" {
				return false, errors.New("400 Bad Request")
			}
			return false, nil
		}}
		e := newSenderEnv(t, fake, nil)
		e.queue(time.Now(), "g1:m1", "g1:m2")
		e.run()
		time.Sleep(time.Minute)
		synctest.Wait()
		as := fake.snapshot()
		if got, want := attemptIDs(as), "m1 m2"; got != want {
			t.Fatalf("attempts %q, want %q (m1 once, not retried)", got, want)
		}
		if !as[1].at.Equal(as[0].at) {
			t.Errorf("m2 sent %v after m1 was rejected, want at once", as[1].at.Sub(as[0].at))
		}
		if n := e.pending(); n != 0 {
			t.Errorf("%d notifications still pending; the rejected one must be marked done", n)
		}
		e.wantCounts(1, 0, 0, 1)
	})
}

func TestSenderHonoursRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &senderFake{result: func(_ context.Context, call int, _ *Message) (bool, error) {
			if call == 0 {
				return true, fmt.Errorf("slack: %w", senderRetryAfterErr{90 * time.Second})
			}
			return false, nil
		}}
		e := newSenderEnv(t, fake, func(o *SenderOptions) {
			o.InitialBackoff, o.MaxBackoff = 500*time.Millisecond, 30*time.Second
		})
		e.queue(time.Now(), "g1:m1")
		e.run()
		synctest.Wait()
		time.Sleep(10 * time.Second)
		// New work during the wait must not cut it short, even of another
		// group: a Retry-After is for the whole endpoint.
		e.queue(time.Now(), "g2:m2")
		synctest.Wait()
		if got := attemptIDs(fake.snapshot()); got != "m1" {
			t.Fatalf("attempts %q 10s after a Retry-After of 90s, want only the first", got)
		}
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		as := fake.snapshot()
		if got, want := deliveredIDs(as), "m1 m2"; got != want || len(as) != 3 {
			t.Fatalf("attempts %q, delivered %q; want m1 m1 m2, delivered %q", attemptIDs(as), deliveredIDs(as), want)
		}
		if gap := as[1].at.Sub(as[0].at); gap < 90*time.Second {
			t.Errorf("retried after %v, want at least the 90s Retry-After (MaxBackoff is 30s)", gap)
		}
		e.wantCounts(2, 1, 1, 0)
	})
}

func TestSenderGivesUpAfterMaxAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &senderFake{result: func(context.Context, int, *Message) (bool, error) {
			return true, errSendTransient
		}}
		e := newSenderEnv(t, fake, func(o *SenderOptions) { o.MaxAge = time.Hour })
		// Queued two hours ago (say before a long outage of alerter):
		// one retryable failure and it is given up.
		e.queue(time.Now().Add(-2*time.Hour), "g1:stale")
		e.run()
		synctest.Wait()
		if got := attemptIDs(fake.snapshot()); got != "stale" {
			t.Fatalf("attempts %q, want one attempt of the stale notification", got)
		}
		if n := e.pending(); n != 0 {
			t.Fatalf("stale notification still pending after a retryable failure")
		}
		e.wantCounts(0, 0, 0, 1)
	})
}

func TestSenderRetriesUntilMaxAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &senderFake{result: func(_ context.Context, _ int, m *Message) (bool, error) {
			if m.GroupLabels["msg"] == "old" {
				return true, errSendTransient
			}
			return false, nil
		}}
		e := newSenderEnv(t, fake, func(o *SenderOptions) { o.MaxAge = time.Minute })
		created := time.Now()
		e.queue(created, "g1:old", "g2:fresh", "g1:next")
		e.run()
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		as := fake.snapshot()
		n := len(as)
		// fresh (another group) goes at once; next (old's group) only once
		// old was given up.
		if n < 4 || as[1].id != "fresh" || !as[1].ok || as[n-1].id != "next" || !as[n-1].ok {
			t.Fatalf("attempts %q: want old, fresh delivered, old retried until given up, then next delivered", attemptIDs(as))
		}
		olds := append([]sendAttempt{as[0]}, as[2:n-1]...)
		for i, a := range olds {
			if a.id != "old" {
				t.Fatalf("attempt %q before old was given up: %q", a.id, attemptIDs(as))
			}
			age := a.at.Sub(created)
			if last := i == len(olds)-1; last != (age >= time.Minute) {
				t.Errorf("attempt %d of old at age %v (last: %v); want every attempt but the last younger than MaxAge 1m", i+1, age, last)
			}
		}
		if p := e.pending(); p != 0 {
			t.Errorf("%d notifications still pending", p)
		}
		e.wantCounts(2, float64(len(olds)-1), float64(len(olds)-1), 1)
	})
}

func TestSenderKeepsIntegrationState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &senderFake{}
		fake.result = func(_ context.Context, call int, m *Message) (bool, error) {
			if call == 3 { // m4's first attempt fails; what it wrote is not kept
				m.State["ts"], m.State["lost"] = "overwritten", "1"
				return true, errSendTransient
			}
			if m.State["ts"] == "" {
				m.State["ts"] = strconv.Itoa(call + 1) // like a Slack message's ts
			}
			return false, nil
		}
		e := newSenderEnv(t, fake, nil)
		e.queue(time.Now(), "g1:m1", "g2:m2", "g1:m3", "g2:m4")
		e.run()
		time.Sleep(time.Minute)
		synctest.Wait()
		as := fake.snapshot()
		if got, want := attemptIDs(as), "m1 m2 m3 m4 m4"; got != want {
			t.Fatalf("attempts %q, want %q", got, want)
		}
		want := []map[string]string{
			{},          // m1: first of g1
			{},          // m2: first of g2, g1's state does not leak into it
			{"ts": "1"}, // m3 sees what m1's delivery stored for g1
			{"ts": "2"}, // m4's first attempt: g2's state
			{"ts": "2"}, // m4's retry: the failed attempt's changes were dropped
		}
		for i, a := range as {
			if !maps.Equal(a.state, want[i]) {
				t.Errorf("attempt %d (%s) got State %v, want %v", i+1, a.id, a.state, want[i])
			}
		}
		for group, ts := range map[string]string{"g1": "1", "g2": "2"} {
			st, err := e.store.IntegrationState(context.Background(), sendRecv, sendInteg, group)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(st, map[string]string{"ts": ts}) {
				t.Errorf("stored state of %s: %v, want ts=%s", group, st, ts)
			}
		}
	})
}

func TestSenderStopsMidRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &senderFake{result: func(context.Context, int, *Message) (bool, error) {
			return true, errSendTransient
		}}
		e := newSenderEnv(t, fake, func(o *SenderOptions) { o.InitialBackoff, o.MaxBackoff = time.Hour, time.Hour })
		e.queue(time.Now(), "g1:m1")
		e.run()
		time.Sleep(time.Minute) // inside the first backoff
		synctest.Wait()
		e.cancel()
		synctest.Wait() // no virtual time passes: the backoff is not waited out
		select {
		case <-e.done:
		default:
			t.Fatal("Run still running after its context was cancelled during a backoff")
		}
		e.cancel = nil
		if got := attemptIDs(fake.snapshot()); got != "m1" {
			t.Errorf("attempts %q, want one", got)
		}
		if n := e.pending(); n != 1 {
			t.Errorf("%d pending after stopping; the undelivered notification must stay queued", n)
		}
	})
}

func TestSenderStopsDuringNotify(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &senderFake{result: func(ctx context.Context, _ int, _ *Message) (bool, error) {
			<-ctx.Done() // a receiver that hangs until the sender gives up
			return true, ctx.Err()
		}}
		e := newSenderEnv(t, fake, nil)
		e.queue(time.Now(), "g1:m1")
		e.run()
		synctest.Wait()
		e.cancel()
		synctest.Wait()
		select {
		case <-e.done:
		default:
			t.Fatal("Run still running after its context was cancelled during Notify")
		}
		e.cancel = nil
		if n := e.pending(); n != 1 {
			t.Errorf("%d pending after stopping mid-send; the notification must stay queued", n)
		}
		// Being stopped is not a failure of the receiver.
		e.wantCounts(0, 0, 0, 0)
	})
}

// TestSenderFailingGroupHoldsBackOnlyItself: a receiver that fails for one
// group only. That group's messages wait (more of them than one read of the
// outbox returns, so its backlog cannot hide the others), the other groups'
// messages, queued before, between and after, go out at once, and once the
// receiver takes the failing group again its messages arrive in order.
func TestSenderFailingGroupHoldsBackOnlyItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		broken := true
		fake := &senderFake{result: func(_ context.Context, _ int, m *Message) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			if broken && m.GroupKey == "bad" {
				return true, errSendTransient
			}
			return false, nil
		}}
		e := newSenderEnv(t, fake, nil) // backoff 1s doubling up to 8s
		start := time.Now()
		var bad []string
		for i := range 120 {
			bad = append(bad, fmt.Sprintf("bad:b%03d", i))
		}
		e.queue(start, "ok1:a1")
		e.queue(start, bad...)
		e.queue(start, "ok2:a2", "ok1:a3")
		e.run()
		synctest.Wait()
		time.Sleep(20 * time.Second)
		e.queue(time.Now(), "ok3:a4", "bad:late", "ok2:a5")
		synctest.Wait()

		var goodAt []time.Time
		var goodIDs []string
		for _, a := range fake.snapshot() {
			if a.group == "bad" {
				if a.ok {
					t.Fatalf("a message of the failing group was delivered: %q", a.id)
				}
				if a.id != "b000" {
					t.Fatalf("attempt of %q while b000, the oldest of its group, is undelivered", a.id)
				}
				continue
			}
			if !a.ok {
				t.Fatalf("attempt of %q failed", a.id)
			}
			goodIDs, goodAt = append(goodIDs, a.id), append(goodAt, a.at)
		}
		if got, want := strings.Join(goodIDs, " "), "a1 a2 a3 a4 a5"; got != want {
			t.Fatalf("other groups delivered %q, want %q", got, want)
		}
		for i, at := range goodAt {
			queued := start
			if i >= 3 {
				queued = start.Add(20 * time.Second)
			}
			if !at.Equal(queued) {
				t.Errorf("%s delivered %v after it was queued, want at once", goodIDs[i], at.Sub(queued))
			}
		}
		if v := e.metric("alerter_notification_groups_retrying"); v != 1 {
			t.Errorf("groups retrying = %v, want 1", v)
		}

		mu.Lock()
		broken = false
		mu.Unlock()
		time.Sleep(time.Minute)
		synctest.Wait()
		var badOK []string
		for _, a := range fake.snapshot() {
			if a.group == "bad" && a.ok {
				badOK = append(badOK, a.id)
			}
		}
		want := make([]string, 0, len(bad)+1)
		for _, p := range bad {
			want = append(want, strings.TrimPrefix(p, "bad:"))
		}
		want = append(want, "late")
		if got := strings.Join(badOK, " "); got != strings.Join(want, " ") {
			t.Fatalf("failing group delivered after recovery: %q, want %q in order, each once", got, strings.Join(want, " "))
		}
		if n := e.pending(); n != 0 {
			t.Errorf("%d notifications still pending", n)
		}
		if v := e.metric("alerter_notification_groups_retrying"); v != 0 {
			t.Errorf("groups retrying after recovery = %v, want 0", v)
		}
	})
}

// TestSenderGroupsBackOffIndependently: two failing groups each keep their
// own back-off; a third group's success resets neither.
func TestSenderGroupsBackOffIndependently(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &senderFake{result: func(_ context.Context, _ int, m *Message) (bool, error) {
			if m.GroupKey != "ok" {
				return true, errSendTransient
			}
			return false, nil
		}}
		e := newSenderEnv(t, fake, nil) // backoff 1s doubling up to 8s
		e.queue(time.Now(), "x:x1", "y:y1")
		e.run()
		synctest.Wait()
		time.Sleep(5 * time.Second)
		e.queue(time.Now(), "ok:o1")
		time.Sleep(25 * time.Second)
		synctest.Wait()
		byGroup := map[string][]time.Time{}
		for _, a := range fake.snapshot() {
			byGroup[a.group] = append(byGroup[a.group], a.at)
		}
		if len(byGroup["ok"]) != 1 {
			t.Fatalf("ok attempts %v, want one", byGroup["ok"])
		}
		for _, g := range []string{"x", "y"} {
			ats := byGroup[g]
			// 1, 2, 4, 8, 8 s (each within [d/2, d]) fit 5 to 9 attempts in 30 s.
			if len(ats) < 5 || len(ats) > 9 {
				t.Errorf("group %s: %d attempts in 30s, want 5-9 (its own back-off, not reset by ok's delivery)", g, len(ats))
			}
			d := time.Second
			for i := 1; i < len(ats); i++ {
				if gap := ats[i].Sub(ats[i-1]); gap < d/2 || gap > d {
					t.Errorf("group %s: wait before attempt %d: %v, want within [%v, %v]", g, i+1, gap, d/2, d)
				}
				d = min(2*d, 8*time.Second)
			}
		}
	})
}
