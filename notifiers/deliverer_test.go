package notifiers_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

const (
	keyA = `{}:{alertname="A"}`
	keyB = `{}:{alertname="B"}`
)

// start runs d until the returned stop is called; stop fails the test if
// Run does not return at once.
func start(t *testing.T, d *notifiers.Deliverer) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	return func() {
		t.Helper()
		cancel()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
}

func newDeliverer(t *testing.T, o notifiers.DelivererOptions) *notifiers.Deliverer {
	t.Helper()
	if o.Receiver == "" {
		o.Receiver = "team"
	}
	d, err := notifiers.NewDeliverer(o)
	if err != nil {
		t.Fatalf("NewDeliverer: %v", err)
	}
	return d
}

func TestDelivererGroupsAndMarks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ob := newFakeOutbox()
		ob.add(
			event(alert.EventFiring, "A", "1"),
			event(alert.EventFiring, "B", "1"),
			event(alert.EventFiring, "A", "2"),
			event(alert.EventResolved, "A", "1"), // Same alert as event 1: next message.
			event(alert.EventFiring, "B", "2"),
		)
		in := &fakeIntegration{name: "fake"}
		reg := prometheus.NewRegistry()
		d := newDeliverer(t, notifiers.DelivererOptions{Outbox: ob, Integrations: []notifiers.Integration{in}, Registerer: reg})
		stop := start(t, d)
		synctest.Wait()
		stop()

		var got [][]int64
		var keys []string
		for _, c := range in.got() {
			got = append(got, c.ids)
			keys = append(keys, c.key)
		}
		wantIDs := [][]int64{{1, 3}, {4}, {2, 5}}
		wantKeys := []string{keyA, keyA, keyB}
		if !slices.EqualFunc(got, wantIDs, slices.Equal) || !slices.Equal(keys, wantKeys) {
			t.Errorf("messages %v %v, want %v %v", got, keys, wantIDs, wantKeys)
		}
		for id := int64(1); id <= 5; id++ {
			if at, ok := ob.deliveredAt(id); !ok || !at.Equal(time.Now()) {
				t.Errorf("event %d: delivered %v at %v", id, ok, at)
			}
		}
		checkMetric(t, reg, "alerter_notifications_total", map[string]string{"receiver": "team", "integration": "fake"}, 3)
		checkMetric(t, reg, "alerter_notification_latency_seconds", map[string]string{"receiver": "team", "integration": "fake"}, 3)
		checkMetric(t, reg, "alerter_outbox_depth", map[string]string{}, 0)
	})
}

func checkMetric(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := metricValue(t, g, name, labels)
	if !ok || got != want {
		t.Errorf("%s%v = %v (exists: %v), want %v", name, labels, got, ok, want)
	}
}

func TestDelivererGroupBy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ob := newFakeOutbox()
		ob.add(event(alert.EventFiring, "A", "1"), event(alert.EventFiring, "B", "1"), event(alert.EventFiring, "A", "2"))
		in := &fakeIntegration{}
		d := newDeliverer(t, notifiers.DelivererOptions{
			Outbox: ob, Integrations: []notifiers.Integration{in},
			GroupBy: []model.LabelName{"instance", "cluster"},
		})
		stop := start(t, d)
		synctest.Wait()
		stop()
		got := in.succeeded()
		want := map[string][]int64{`{}:{instance="1"}`: {1, 2}, `{}:{instance="2"}`: {3}}
		if len(got) != len(want) {
			t.Fatalf("groups %v, want %v", got, want)
		}
		for k, ids := range want {
			if !slices.Equal(got[k], ids) {
				t.Errorf("group %s: %v, want %v", k, got[k], ids)
			}
		}
	})
}

func TestDelivererPollAndWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ob := newFakeOutbox()
		in := &fakeIntegration{}
		d := newDeliverer(t, notifiers.DelivererOptions{Outbox: ob, Integrations: []notifiers.Integration{in}, PollInterval: time.Minute})
		stop := start(t, d)
		defer stop()
		synctest.Wait()

		// Without a wake, the next poll picks the event up.
		ob.add(event(alert.EventFiring, "A", "1"))
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if len(in.got()) != 0 {
			t.Fatal("delivered before the poll interval")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if len(in.got()) != 1 {
			t.Fatalf("not delivered at the poll: %d calls", len(in.got()))
		}

		// A wake delivers at once; wakes coalesce into one pass.
		ob.add(event(alert.EventFiring, "A", "2"))
		before := time.Now()
		for range 5 {
			d.Wake()
		}
		synctest.Wait()
		calls := in.got()
		if len(calls) != 2 || !calls[1].at.Equal(before) {
			t.Fatalf("after wake: %d calls, last at +%v", len(calls), calls[len(calls)-1].at.Sub(before))
		}
		ob.add(event(alert.EventFiring, "A", "3"))
		time.Sleep(59 * time.Second) // The poll timer restarted after the wake.
		synctest.Wait()
		if len(in.got()) != 2 {
			t.Errorf("extra passes after coalesced wakes: %d calls", len(in.got()))
		}
	})
}

func TestDelivererBacksOffExponentially(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ob := newFakeOutbox()
		ob.add(event(alert.EventFiring, "A", "1"))
		in := &fakeIntegration{fail: func(n int, _ *notifiers.Message) (bool, error) {
			if n < 5 {
				return true, errors.New("503 Service Unavailable")
			}
			return false, nil
		}}
		reg := prometheus.NewRegistry()
		d := newDeliverer(t, notifiers.DelivererOptions{
			Outbox: ob, Integrations: []notifiers.Integration{in}, Registerer: reg,
			PollInterval: time.Hour, InitialBackoff: time.Second, MaxBackoff: 4 * time.Second,
		})
		stop := start(t, d)
		defer stop()
		synctest.Wait()
		d.Wake() // Must not cut the back-off short.
		ob.waitDrained(t, time.Minute)

		calls := in.got()
		if len(calls) != 6 {
			t.Fatalf("%d calls, want 6", len(calls))
		}
		// Each wait is in [b/2, b] with b = 1s, 2s, 4s, 4s, 4s.
		bounds := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
		for i, b := range bounds {
			gap := calls[i+1].at.Sub(calls[i].at)
			if gap < b/2 || gap > b {
				t.Errorf("wait %d: %v, want within [%v, %v]", i+1, gap, b/2, b)
			}
		}
		checkMetric(t, reg, "alerter_notifications_failed_total",
			map[string]string{"receiver": "team", "integration": "integration0", "reason": "retryable"}, 5)
		checkMetric(t, reg, "alerter_notifications_total",
			map[string]string{"receiver": "team", "integration": "integration0"}, 6)
	})
}

// TestDelivererKeepsGroupOrderUnderFailures fails group A for a while: A's
// events arrive later and must still go out in order, after the earlier
// ones, while group B is not held up.
func TestDelivererKeepsGroupOrderUnderFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ob := newFakeOutbox()
		ob.add(event(alert.EventFiring, "A", "1"), event(alert.EventFiring, "B", "1"))
		failA := 3
		in := &fakeIntegration{fail: func(_ int, m *notifiers.Message) (bool, error) {
			if m.GroupKey == keyA && failA > 0 {
				failA--
				return true, errors.New("timeout")
			}
			return false, nil
		}}
		d := newDeliverer(t, notifiers.DelivererOptions{
			Outbox: ob, Integrations: []notifiers.Integration{in},
			InitialBackoff: time.Second, MaxBackoff: 10 * time.Second,
		})
		stop := start(t, d)
		defer stop()
		synctest.Wait()
		if got := in.succeeded()[keyB]; !slices.Equal(got, []int64{2}) {
			t.Errorf("group B held up by A's failure: %v", got)
		}
		ob.add(event(alert.EventFiring, "A", "2"), event(alert.EventResolved, "A", "1"), event(alert.EventFiring, "B", "2"))
		d.Wake()
		ob.waitDrained(t, time.Minute)

		if got, want := in.succeeded()[keyA], []int64{1, 3, 4}; !slices.Equal(got, want) {
			t.Errorf("group A delivered %v, want %v", got, want)
		}
		if got, want := in.succeeded()[keyB], []int64{2, 5}; !slices.Equal(got, want) {
			t.Errorf("group B delivered %v, want %v", got, want)
		}
	})
}

func TestDelivererPermanentFailureIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ob := newFakeOutbox()
		ob.add(event(alert.EventFiring, "A", "1"))
		in := &fakeIntegration{name: "webhook", fail: func(int, *notifiers.Message) (bool, error) {
			return false, errors.New("400 Bad Request: unknown field")
		}}
		reg := prometheus.NewRegistry()
		var logs lockedBuffer
		d := newDeliverer(t, notifiers.DelivererOptions{
			Outbox: ob, Integrations: []notifiers.Integration{in}, Registerer: reg, Logger: logs.logger(),
		})
		stop := start(t, d)
		defer stop()
		synctest.Wait()
		time.Sleep(time.Hour)
		synctest.Wait()

		if n := len(in.got()); n != 1 {
			t.Errorf("%d calls, want 1", n)
		}
		if ob.depth() != 0 {
			t.Error("event left in the outbox")
		}
		checkMetric(t, reg, "alerter_notifications_failed_total",
			map[string]string{"receiver": "team", "integration": "webhook", "reason": "permanent"}, 1)
		checkMetric(t, reg, "alerter_notifications_failed_total",
			map[string]string{"receiver": "team", "integration": "webhook", "reason": "retryable"}, 0)
		if !strings.Contains(logs.String(), "unknown field") {
			t.Errorf("error not logged:\n%s", logs.String())
		}
	})
}

// TestDelivererDoesNotResendToIntegrationsThatSucceeded: one integration
// fails, the other must not get the same events again on the retry.
func TestDelivererDoesNotResendToIntegrationsThatSucceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ob := newFakeOutbox()
		ob.add(event(alert.EventFiring, "A", "1"))
		ok := &fakeIntegration{name: "ok"}
		flaky := &fakeIntegration{name: "flaky", fail: func(n int, _ *notifiers.Message) (bool, error) {
			if n == 0 {
				return true, errors.New("connection refused")
			}
			return false, nil
		}}
		d := newDeliverer(t, notifiers.DelivererOptions{Outbox: ob, Integrations: []notifiers.Integration{ok, flaky}})
		stop := start(t, d)
		defer stop()
		synctest.Wait()
		if ob.depth() != 1 {
			t.Fatal("event marked before every integration had it")
		}
		ob.waitDrained(t, time.Minute)
		if n, m := len(ok.got()), len(flaky.got()); n != 1 || m != 2 {
			t.Errorf("calls: ok %d (want 1), flaky %d (want 2)", n, m)
		}
	})
}

func TestDelivererMarkFailureDoesNotResend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ob := newFakeOutbox()
		ob.failMarks = 2
		ob.add(event(alert.EventFiring, "A", "1"))
		in := &fakeIntegration{}
		d := newDeliverer(t, notifiers.DelivererOptions{Outbox: ob, Integrations: []notifiers.Integration{in}})
		stop := start(t, d)
		defer stop()
		ob.waitDrained(t, time.Minute)
		if n := len(in.got()); n != 1 {
			t.Errorf("%d calls, want 1", n)
		}
	})
}

func TestDelivererDrainsFullBatchesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ob := newFakeOutbox()
		for i := range 7 {
			ob.add(event(alert.EventFiring, "A", string(rune('a'+i))))
		}
		in := &fakeIntegration{}
		d := newDeliverer(t, notifiers.DelivererOptions{Outbox: ob, Integrations: []notifiers.Integration{in}, BatchSize: 3, PollInterval: time.Hour})
		stop := start(t, d)
		defer stop()
		synctest.Wait()
		if ob.depth() != 0 {
			t.Errorf("%d events left after the first round", ob.depth())
		}
		var all []int64
		for _, c := range in.got() {
			all = append(all, c.ids...)
		}
		if !slices.Equal(all, []int64{1, 2, 3, 4, 5, 6, 7}) {
			t.Errorf("sent %v", all)
		}
	})
}

// TestDelivererStopsOnCancel cancels Run while a notification hangs and
// while it backs off; synctest fails the test if a goroutine is left.
func TestDelivererStopsOnCancel(t *testing.T) {
	for _, name := range []string{"in flight", "backing off"} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ob := newFakeOutbox()
				ob.add(event(alert.EventFiring, "A", "1"))
				in := &fakeIntegration{block: name == "in flight", fail: func(int, *notifiers.Message) (bool, error) {
					return true, errors.New("down")
				}}
				d := newDeliverer(t, notifiers.DelivererOptions{Outbox: ob, Integrations: []notifiers.Integration{in}, MaxBackoff: time.Hour, InitialBackoff: time.Hour})
				stop := start(t, d)
				synctest.Wait()
				before := time.Now()
				stop()
				if waited := time.Since(before); waited != 0 {
					t.Errorf("Run took %v to stop", waited)
				}
				if ob.depth() != 1 {
					t.Error("undelivered event was marked")
				}
			})
		})
	}
}

func TestDelivererMetricsExistAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	ob := newFakeOutbox()
	for _, recv := range []string{"team-a", "team-b"} { // Two deliverers share one registry.
		_, err := notifiers.NewDeliverer(notifiers.DelivererOptions{
			Outbox: ob, Receiver: recv, Registerer: reg,
			Integrations: []notifiers.Integration{&fakeIntegration{name: "webhook"}},
		})
		if err != nil {
			t.Fatalf("%s: %v", recv, err)
		}
		ri := map[string]string{"receiver": recv, "integration": "webhook"}
		checkMetric(t, reg, "alerter_notifications_total", ri, 0)
		checkMetric(t, reg, "alerter_notification_latency_seconds", ri, 0)
		for _, reason := range []string{"retryable", "permanent"} {
			checkMetric(t, reg, "alerter_notifications_failed_total",
				map[string]string{"receiver": recv, "integration": "webhook", "reason": reason}, 0)
		}
	}
	checkMetric(t, reg, "alerter_outbox_depth", map[string]string{}, 0)
}

func TestNewDelivererRejectsBadOptions(t *testing.T) {
	in := []notifiers.Integration{&fakeIntegration{}}
	ob := newFakeOutbox()
	tests := map[string]notifiers.DelivererOptions{
		"no outbox":       {Integrations: in},
		"no integration":  {Outbox: ob},
		"nil integration": {Outbox: ob, Integrations: []notifiers.Integration{nil}},
		"negative":        {Outbox: ob, Integrations: in, PollInterval: -1},
		"backoff order":   {Outbox: ob, Integrations: in, InitialBackoff: time.Minute, MaxBackoff: time.Second},
	}
	for name, o := range tests {
		if _, err := notifiers.NewDeliverer(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
