package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

// quietWindow picks a time zone where it is not close to midnight and
// returns it with a mute interval that starts at the current minute there
// and ends 70 to 130 seconds from now, at a minute boundary: time enough
// for the alert to fire inside it, even on a loaded machine.
func quietWindow(t *testing.T) (loc *time.Location, start, end time.Time) {
	t.Helper()
	for _, name := range []string{"Asia/Kathmandu", "America/St_Johns", "Asia/Kolkata", "Pacific/Chatham", "UTC", "America/Los_Angeles"} {
		l, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		now := time.Now().In(l)
		if now.Hour() < 1 || now.Hour() > 21 {
			continue
		}
		start = now.Truncate(time.Minute)
		end = start.Add(time.Minute)
		if end.Sub(now) < 70*time.Second {
			end = end.Add(time.Minute)
		}
		if end.Sub(now) < 70*time.Second {
			end = end.Add(time.Minute)
		}
		return l, start, end
	}
	t.Skip("no time zone away from midnight (cannot happen)")
	return nil, time.Time{}, time.Time{}
}

// TestMutedRoutePagesWhenIntervalEnds runs the real binary with a route
// muted by a time interval computed from now, in a time zone of its own:
// the alert fires, shows as muted in /api/v2/alerts, nothing is sent while
// the interval lasts, and it is sent once the interval has ended.
func TestMutedRoutePagesWhenIntervalEnds(t *testing.T) {
	t.Parallel()
	loc, start, end := quietWindow(t)
	notify := fmt.Sprintf(`route:
  receiver: sink
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: sink
      matchers: ['alertname="Quiet"']
      mute_time_intervals: [quiet]
receivers:
  - name: sink
    webhook_configs:
      - url: {{sink}}
time_intervals:
  - name: quiet
    time_intervals:
      - location: %s
        times: [{start_time: "%s", end_time: "%s"}]
`, loc, start.Format("15:04"), end.Format("15:04"))
	e := newEnvWith(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Quiet
        expr: test_value > 0.5
`, "0s", notify)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitAlert("Quiet", "firing")
	if time.Now().After(end.Add(-10 * time.Second)) {
		t.Fatalf("the alert fired at %s, too close to the interval's end (%s) to check the muting", time.Now().In(loc).Format(time.TimeOnly), end.Format(time.TimeOnly))
	}

	// Muted: /api/v2/alerts says so, and nothing is sent until the end.
	var muted bool
	for time.Now().Before(end.Add(-time.Second)) {
		var got []struct {
			Labels map[string]string `json:"labels"`
			Status struct {
				State   string   `json:"state"`
				MutedBy []string `json:"mutedBy"`
			} `json:"status"`
		}
		if err := getJSONURL(e.apiURL("/api/v2/alerts"), &got); err == nil && len(got) == 1 {
			if got[0].Status.State != "suppressed" || !slices.Equal(got[0].Status.MutedBy, []string{"quiet"}) {
				t.Fatalf("inside the interval the alert is %+v, want suppressed, mutedBy [quiet]", got[0].Status)
			}
			muted = true
		}
		if n := e.notified("Quiet", "firing"); n > 0 {
			t.Fatalf("paged at %s inside the mute interval (ends %s)", time.Now().In(loc).Format(time.TimeOnly), end.Format(time.TimeOnly))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !muted {
		t.Fatal("never saw the alert muted in /api/v2/alerts")
	}
	e.waitNotified("Quiet", "firing", 1)
}

// getAMJSON reads an Alertmanager API v2 answer (no envelope).
func getJSONURL(url string, out any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
