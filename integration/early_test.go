package integration

import (
	"testing"
	"time"
)

// With group_wait_early, a new group's first notification does not wait
// group_wait (an hour here) once the evaluation that raised its alert is
// stored; a route without it does.
func TestGroupWaitEarly(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, `groups:
  - name: g
    rules:
      - alert: Early
        expr: early_value > 0.5
        labels: {route: early}
      - alert: Late
        expr: early_value > 0.5
        labels: {route: late}
`, "300ms", `route:
  receiver: sink
  group_by: [alertname]
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 4h
  routes:
    - matchers: ['route="early"']
      group_wait_early: true
    - matchers: ['route="late"']
receivers:
  - name: sink
    webhook_configs:
      - url: {{sink}}
`)
	e.src.Set("early_value", map[string]string{"instance": "a"}, 1)
	e.prom.WaitForSeries(t, "early_value", 30*time.Second)
	e.start()
	e.waitAlert("Late", "firing")
	e.waitNotified("Early", "firing", 1)
	e.waitEvals("Late", 2)
	if n := e.notified("Late", "firing"); n != 0 {
		t.Fatalf("the route without group_wait_early notified within its hour-long group_wait (%d)", n)
	}
	if n := e.metricValue("alerter_notification_groups_early_total"); n != 1 {
		t.Fatalf("alerter_notification_groups_early_total = %v", n)
	}
}
