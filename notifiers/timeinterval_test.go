package notifiers

import (
	"testing"
	"testing/synctest"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/notifiers/route"
)

// intervalRoute builds a routing tree with named time intervals, both
// written in the configuration's YAML.
func intervalRoute(t *testing.T, routeText, intervalsText string) func(*DispatcherOptions) {
	t.Helper()
	var cfg route.Config
	if err := yaml.Unmarshal([]byte(routeText), &cfg); err != nil {
		t.Fatal(err)
	}
	var iv route.Intervals
	if err := yaml.Unmarshal([]byte(intervalsText), &iv); err != nil {
		t.Fatal(err)
	}
	r, err := route.NewWithIntervals(&cfg, iv)
	if err != nil {
		t.Fatal(err)
	}
	return func(o *DispatcherOptions) { o.Route = r }
}

// sleepUntil sleeps until the synctest clock reads at (the bubble starts at
// 2000-01-01T00:00:00Z).
func sleepUntil(t *testing.T, at string) {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(ts))
}

const nightRoute = `
receiver: team
group_by: [alertname]
group_wait: 30s
group_interval: 5m
repeat_interval: 4h
routes:
  - receiver: pager
    matchers: ['severity="warning"']
    mute_time_intervals: [night]
    routes:
      - receiver: secondary
        matchers: ['instance="c"']
`

// TestMuteTimeIntervalHoldsTheGroup: a route muted at night sends nothing
// and keeps its group; the first tick after the interval ends sends what
// still fires. A resolution inside the interval is never told (as in
// Alertmanager), and the route's child, which does not inherit the
// interval, notifies as usual.
func TestMuteTimeIntervalHoldsTheGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		h := start(t, ev, t.TempDir(), testRoute, intervalRoute(t, nightRoute,
			`night: [{times: [{start_time: "00:00", end_time: "06:00"}]}]`))
		defer h.stop()
		ev.fire(mkAlert("Disk", "instance", "a", "severity", "warning"))
		ev.fire(mkAlert("Disk", "instance", "c", "severity", "warning"))
		time.Sleep(10 * time.Minute)
		b := mkAlert("Disk", "instance", "b", "severity", "warning")
		ev.fire(b)
		time.Sleep(3 * time.Hour)
		ev.resolve(b)
		h.expect("pager")
		h.expect("secondary", `t+30s {alertname="Disk"}: c/warning`)
		sleepUntil(t, "2000-01-01T07:00:00Z")
		h.expect("pager", `t+6h0m30s {alertname="Disk"}: a/warning`)
		h.expect("team")
	})
}

// TestActiveTimeIntervalWaitsForBusinessHours: a route active on weekdays
// 09:00-17:00 holds a Saturday alert until Monday 09:00, then repeats
// inside the interval only.
func TestActiveTimeIntervalWaitsForBusinessHours(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		h := start(t, ev, t.TempDir(), testRoute, intervalRoute(t, `
receiver: team
group_by: [alertname]
group_wait: 30s
group_interval: 5m
repeat_interval: 4h
routes:
  - receiver: pager
    active_time_intervals: [business]
`, `business: [{weekdays: ["monday:friday"], times: [{start_time: "09:00", end_time: "17:00"}]}]`))
		defer h.stop()
		ev.fire(mkAlert("Disk", "instance", "a", "severity", "warning")) // Saturday 00:00
		sleepUntil(t, "2000-01-04T10:00:00Z")
		h.expect("pager",
			`t+57h0m30s {alertname="Disk"}: a/warning`,          // Monday 09:00:30
			`t+61h0m30s {alertname="Disk"}: a/warning (repeat)`, // 13:00:30; 17:00:30 is outside
			`t+81h0m30s {alertname="Disk"}: a/warning (repeat)`, // so the repeat waits for Tuesday 09:00:30
		)
	})
}

// TestMuteIntervalAcrossDSTChange: 01:00-03:30 in Berlin on the night
// clocks go forward (2000-03-26, 02:00 CET becomes 03:00 CEST) lasts 1h30
// of real time, 00:00Z to 01:30Z, not 2h30.
func TestMuteIntervalAcrossDSTChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		h := start(t, ev, t.TempDir(), testRoute, intervalRoute(t, nightRoute, `
night:
  - location: Europe/Berlin
    months: [march]
    days_of_month: ["26"]
    times: [{start_time: "01:00", end_time: "03:30"}]`))
		defer h.stop()
		sleepUntil(t, "2000-03-25T23:59:40Z") // 00:59:40 in Berlin
		t0 := time.Now()
		ev.fire(mkAlert("Disk", "instance", "a", "severity", "warning"))
		sleepUntil(t, "2000-03-26T04:00:00Z")
		got := h.recs["pager"].log(t0)
		// Muted from the first flush (00:00:10Z) to the first tick at or
		// after 01:30Z: 01:30:10Z, 1h30m30s after firing.
		if want := `t+1h30m30s {alertname="Disk"}: a/warning`; len(got) != 1 || got[0] != want {
			t.Fatalf("pager received %q, want [%q]", got, want)
		}
	})
}

// TestMuteLastDaysOfMonth: days_of_month ["-2:-1"] mutes the month's last
// two days: January 30-31, and in leap-year February 28-29.
func TestMuteLastDaysOfMonth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		h := start(t, ev, t.TempDir(), testRoute, intervalRoute(t, nightRoute,
			`night: [{days_of_month: ["-2:-1"]}]`))
		defer h.stop()
		sleepUntil(t, "2000-01-29T23:00:00Z")
		t0 := time.Now()
		ev.fire(mkAlert("Disk", "instance", "a", "severity", "warning"))
		sleepUntil(t, "2000-01-31T23:00:00Z")
		if got := h.recs["pager"].log(t0); len(got) != 1 || got[0] != `t+30s {alertname="Disk"}: a/warning` {
			t.Fatalf("January 29: %q", got) // sent on the 29th, muted on the 30th and 31st
		}
		ev.resolve(mkAlertLike(ev, "Disk", "a")) // told only after the interval: never (as in Alertmanager)
		sleepUntil(t, "2000-02-28T12:00:00Z")
		t1 := time.Now()
		ev.fire(mkAlert("Disk", "instance", "b", "severity", "warning"))
		sleepUntil(t, "2000-03-01T00:10:00Z")
		got := h.recs["pager"].log(t1)
		// Held over the 28th and the 29th (2000 is a leap year) until the
		// first tick of March 1st.
		if want := `t+36h0m30s {alertname="Disk"}: b/warning`; len(got) != 2 || got[1] != want {
			t.Fatalf("pager received %q, want the January message then %q", got, want)
		}
	})
}

// TestEscalationAndRepeatWhileMuted: a muted route neither repeats nor
// escalates; its escalation clock stands still during the interval, and
// what fell due is sent at the first tick after it.
func TestEscalationAndRepeatWhileMuted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		f := newAcks(t, t.TempDir(), &h)
		ev := newFakeEvents()
		h = start(t, ev, t.TempDir(), escalationRoute, func(o *DispatcherOptions) {
			withEscalation(f)(o)
			intervalRoute(t, `
receiver: team
group_by: [alertname]
group_wait: 30s
group_interval: 5m
repeat_interval: 4h
routes:
  - matchers: ['severity="critical"']
    escalation: oncall
    mute_time_intervals: [maintenance]
`, `maintenance: [{times: [{start_time: "00:20", end_time: "05:00"}]}]`)(o)
		})
		defer h.stop()
		ev.fire(mkAlert("Down", "instance", "a", "severity", "critical"))
		sleepUntil(t, "2000-01-01T06:30:00Z")
		h.expect("pager", `t+30s {alertname="Down"}: a/critical [oncall 1/3]`)
		// Level 2 fell due at 00:15, before the interval; level 3 (30m) was
		// due at 00:30, inside it: paused at the 00:20:30 tick with
		// 20m30s on the clock, resumed at the 05:00:30 tick, it falls due
		// 9m30s later.
		h.expect("secondary", `t+15m0s {alertname="Down"}: a/critical [oncall 2/3]`)
		h.expect("lead", `t+5h10m0s {alertname="Down"}: a/critical [oncall 3/3]`,
			`t+5h40m0s {alertname="Down"}: a/critical (repeat) [oncall 3/3 repeat]`,
			`t+6h10m0s {alertname="Down"}: a/critical (repeat) [oncall 3/3 repeat]`)
		// The route's receiver: its 4h repeat fell due inside the
		// interval, so it comes at the first tick after it.
		got := h.recs["team"].log(h.t0)
		if len(got) < 2 || got[0] != `t+30s {alertname="Down"}: a/critical` || got[1] != `t+5h0m30s {alertname="Down"}: a/critical (repeat)` {
			t.Fatalf("team received %q", got)
		}
	})
}
