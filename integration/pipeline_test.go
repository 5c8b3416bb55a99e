package integration

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/webhooksink"
)

// severityNotify routes critical alerts to "pager" and the rest to "team".
const severityNotify = `route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
receivers:
  - name: team
    webhook_configs: [{url: "{{sink}}/team"}]
  - name: pager
    webhook_configs: [{url: "{{sink}}/pager"}]
`

// received lists, per receiver, each payload as "status:instance/severity,...".
func (e *env) received(receiver string) []string {
	var out []string
	for _, p := range e.sink.Payloads() {
		if p.Receiver != receiver {
			continue
		}
		var as []string
		for _, a := range p.Alerts {
			as = append(as, a.Status+":"+a.Labels["instance"]+"/"+a.Labels["severity"])
		}
		sort.Strings(as)
		out = append(out, strings.Join(as, ","))
	}
	return out
}

func TestSeverityRiseReroutes(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Usage
        query: test_value
        condition: value > 0.9
        severities:
          - {severity: critical, condition: value > 0.97}
          - {severity: warning, condition: value > 0.9}
`, "300ms", severityNotify)
	e.src.Set("test_value", inst, 0.95)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	waitUntil(t, 60*time.Second, "warning at team", func() bool { return len(e.received("team")) > 0 })
	e.src.Set("test_value", inst, 0.99)
	waitUntil(t, 60*time.Second, "critical at pager", func() bool { return len(e.received("pager")) > 0 })
	if got := e.received("pager")[0]; got != "firing:a/critical" {
		t.Fatalf("pager got %q", got)
	}
	e.waitEvals("Usage", 3)
	if got := e.received("team"); len(got) != 1 || got[0] != "firing:a/warning" {
		t.Fatalf("team got %q: the rise must not look like a resolve there", got)
	}
}

func TestGroupingAndTimers(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Grouped
        expr: test_value > 0.5
`, "300ms", `route:
  receiver: sink
  group_by: [alertname]
  group_wait: 3s
  group_interval: 2s
  repeat_interval: 8s
receivers:
  - name: sink
    webhook_configs: [{url: "{{sink}}"}]
`)
	b := map[string]string{"instance": "b"}
	c := map[string]string{"instance": "c"}
	e.src.Set("test_value", inst, 0)
	e.src.Set("test_value", b, 0)
	e.src.Set("test_value", c, 0)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.src.Set("test_value", inst, 1)
	e.src.Set("test_value", b, 1)
	e.waitNotified("Grouped", "firing", 2)
	first := e.sink.Payloads()[0]
	if len(first.Alerts) != 2 {
		t.Fatalf("group_wait did not group the two alerts: %+v", first.Alerts)
	}
	for _, a := range first.Alerts {
		// group_wait is a lower bound: nothing is sent before it elapsed.
		if waited := first.ReceivedAt.Sub(a.StartsAt); waited < 3*time.Second-time.Second {
			t.Fatalf("sent %v after the alert started, group_wait is 3s", waited)
		}
	}
	e.src.Set("test_value", c, 1)
	waitUntil(t, 60*time.Second, "c added at a group_interval tick", func() bool {
		ps := e.sink.Payloads()
		return len(ps) >= 2 && len(ps[len(ps)-1].Alerts) == 3
	})
	ps := e.sink.Payloads()
	second := ps[len(ps)-1]
	if gap := second.ReceivedAt.Sub(first.ReceivedAt); gap < 2*time.Second-200*time.Millisecond {
		t.Fatalf("second message %v after the first, group_interval is 2s", gap)
	}
	// No change: the next message is a repeat, after repeat_interval.
	waitUntil(t, 60*time.Second, "a repeat", func() bool { return len(e.sink.Payloads()) > len(ps) })
	third := e.sink.Payloads()[len(ps)]
	if len(third.Alerts) != 3 || third.ReceivedAt.Sub(second.ReceivedAt) < 8*time.Second-200*time.Millisecond {
		t.Fatalf("repeat %v after the previous message with %d alerts, repeat_interval is 8s",
			third.ReceivedAt.Sub(second.ReceivedAt), len(third.Alerts))
	}
}

func TestReceiverOutageDeliversEverythingInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Out
        expr: test_value > 0.5
`)
	b := map[string]string{"instance": "b"}
	e.src.Set("test_value", inst, 0)
	e.src.Set("test_value", b, 0)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.sink.SetDown(true)
	e.src.Set("test_value", inst, 1)
	e.waitAlert("Out", "firing")
	e.src.Set("test_value", b, 1)
	waitUntil(t, 60*time.Second, "b firing", func() bool { return len(e.alerts()) == 2 })
	e.src.Set("test_value", inst, 0)
	waitUntil(t, 60*time.Second, "a resolved", func() bool { return len(e.alerts()) == 1 })
	waitUntil(t, 60*time.Second, "the outbox to hold the messages", func() bool {
		return e.metricValue("alerter_outbox_depth", `receiver="sink"`) >= 1 &&
			e.metricValue("alerter_notifications_failed_total", `reason="retryable"`) >= 1
	})
	if n := len(e.sink.Payloads()); n != 0 {
		t.Fatalf("%d payloads while the receiver was down", n)
	}
	e.sink.SetDown(false)
	waitUntil(t, 90*time.Second, "everything delivered", func() bool {
		got := e.received("sink")
		return len(got) > 0 && got[len(got)-1] == "firing:b/,resolved:a/"
	})
	got := e.received("sink")
	want := []string{"firing:a/", "firing:a/,firing:b/", "firing:b/,resolved:a/"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("received in this order: %q, want %q", got, want)
	}
	// The gauge follows the outbox once the deliveries are stored, which
	// may be a moment after the sink got the last message.
	waitUntil(t, 30*time.Second, "the outbox to empty", func() bool {
		return e.metricValue("alerter_outbox_depth", `receiver="sink"`) == 0
	})
}

func TestKilledWithNotificationsInFlight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Crash
        expr: test_value > 0.5
`)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.sink.SetDown(true)
	e.start()
	waitUntil(t, 60*time.Second, "a notification queued and failing", func() bool {
		return e.metricValue("alerter_notifications_queued_total") >= 1 &&
			e.metricValue("alerter_notifications_failed_total", `reason="retryable"`) >= 1
	})
	if err := e.proc.Kill(); err != nil {
		t.Logf("kill: %v", err)
	}
	e.sink.SetDown(false)
	e.start()
	e.waitNotified("Crash", "firing", 1)
	e.waitEvals("Crash", 3)
	if n := e.notified("Crash", "firing"); n != 1 {
		t.Fatalf("%d firing notifications after the restart, want 1", n)
	}
}

func TestKilledAfterDeliveryDoesNotRepeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Once
        expr: test_value > 0.5
`)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitNotified("Once", "firing", 1)
	waitUntil(t, 30*time.Second, "delivery recorded", func() bool {
		return e.metricValue("alerter_notifications_total", `receiver="sink"`) >= 1
	})
	if err := e.proc.Kill(); err != nil {
		t.Logf("kill: %v", err)
	}
	e.start()
	e.waitEvals("Once", 4)
	if n := e.notified("Once", "firing"); n != 1 {
		t.Fatalf("restart repeated the notification inside repeat_interval: %d", n)
	}
}

var _ = webhooksink.StatusFiring
