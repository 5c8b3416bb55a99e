package integration

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/webhooksink"
)

// teamGroups groups by team, with timers short enough for 1s evaluations.
const teamGroups = `route:
  receiver: sink
  group_by: [team]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
    webhook_configs:
      - url: {{sink}}
`

// teamPayloads lists the payloads of one team's group, in arrival order, as
// "status:instance,..." of their alerts.
func teamPayloads(sink *webhooksink.Sink, team string) []string {
	var out []string
	for _, p := range sink.Payloads() {
		if p.GroupLabels["team"] != team {
			continue
		}
		var as []string
		for _, a := range p.Alerts {
			as = append(as, a.Status+":"+a.Labels["instance"])
		}
		sort.Strings(as)
		out = append(out, strings.Join(as, ","))
	}
	return out
}

// TestFailingGroupHoldsBackOnlyItself: the webhook receiver refuses every
// message of one alert group (team "bad") and takes the others. The other
// groups of the same integration are delivered meanwhile, and once the
// receiver takes the failing group again, its messages arrive in the order
// they were queued, each once.
func TestFailingGroupHoldsBackOnlyItself(t *testing.T) {
	e := newEnvWith(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Team
        expr: test_value > 0.5
`, "300ms", teamGroups)
	e.sink.FailWhen(func(p webhooksink.Payload) bool { return p.GroupLabels["team"] == "bad" }, 500)
	bad1 := map[string]string{"instance": "b1", "team": "bad"}
	bad2 := map[string]string{"instance": "b2", "team": "bad"}
	ok1 := map[string]string{"instance": "o1", "team": "ok"}
	ok2 := map[string]string{"instance": "o2", "team": "other"}
	for _, l := range []map[string]string{bad1, bad2, ok1, ok2} {
		e.src.Set("test_value", l, 0)
	}
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()

	// The bad group's first message fails, and keeps failing.
	e.src.Set("test_value", bad1, 1)
	waitUntil(t, 60*time.Second, "the bad group's message to fail", func() bool {
		return e.metricValue("alerter_notifications_failed_total", `reason="retryable"`) >= 1
	})
	// Two more messages of the bad group queue behind it, while two other
	// groups fire and one of them resolves: those are delivered.
	e.src.Set("test_value", bad2, 1)
	e.src.Set("test_value", ok1, 1)
	waitUntil(t, 60*time.Second, "bad's second message and ok's first queued", func() bool {
		return len(teamPayloads(e.sink, "ok")) >= 1 && e.metricValue("alerter_outbox_depth", `receiver="sink"`) >= 2
	})
	e.src.Set("test_value", bad1, 0)
	e.src.Set("test_value", ok2, 1)
	waitUntil(t, 60*time.Second, "the other group delivered", func() bool { return len(teamPayloads(e.sink, "other")) >= 1 })
	e.src.Set("test_value", ok1, 0)
	waitUntil(t, 60*time.Second, "ok's resolution delivered", func() bool {
		got := teamPayloads(e.sink, "ok")
		return len(got) > 0 && got[len(got)-1] == "resolved:o1"
	})
	waitUntil(t, 60*time.Second, "bad's third message queued", func() bool {
		return e.metricValue("alerter_outbox_depth", `receiver="sink"`) >= 3
	})
	if got := teamPayloads(e.sink, "bad"); len(got) != 0 {
		t.Fatalf("the failing group was delivered while refused: %q", got)
	}
	if v := e.metricValue("alerter_notification_groups_retrying", `receiver="sink"`); v != 1 {
		t.Errorf("alerter_notification_groups_retrying = %v, want 1", v)
	}
	if got, want := strings.Join(teamPayloads(e.sink, "ok"), " "), "firing:o1 resolved:o1"; got != want {
		t.Errorf("ok group received %q, want %q", got, want)
	}

	// The receiver takes the bad group again: its three messages arrive
	// in the order they were queued.
	e.sink.FailWhen(nil, 0)
	want := "firing:b1 firing:b1,firing:b2 firing:b2,resolved:b1"
	waitUntil(t, 90*time.Second, "the bad group's messages", func() bool {
		return len(teamPayloads(e.sink, "bad")) >= 3
	})
	if got := strings.Join(teamPayloads(e.sink, "bad"), " "); got != want {
		t.Fatalf("bad group received %q, want %q", got, want)
	}
	waitUntil(t, 30*time.Second, "an empty outbox", func() bool {
		return e.metricValue("alerter_outbox_depth", `receiver="sink"`) == 0 &&
			e.metricValue("alerter_notification_groups_retrying", `receiver="sink"`) == 0
	})
}
