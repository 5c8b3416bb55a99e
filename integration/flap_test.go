package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// flapRules is a rule over a series the test switches on and off; extra
// goes under the rule.
func flapRules(extra string) string {
	return `groups:
  - name: flappy
    interval: 1s
    rules:
      - alert: Flappy
        expr: test_flap > 0
` + extra
}

// flapCycles is how many times the series goes up and down.
const flapCycles = 6

// flapAlert is /api/v1/alerts' alert with alerter's flapping fields.
type flapAlert struct {
	Labels        map[string]string `json:"labels"`
	State         string            `json:"state"`
	Flapping      bool              `json:"flapping"`
	FlappingSince *time.Time        `json:"flappingSince"`
}

func (e *env) flapAlert() (flapAlert, bool) {
	var d struct {
		Alerts []flapAlert `json:"alerts"`
	}
	if err := e.getJSON("/api/v1/alerts", &d); err != nil {
		e.t.Logf("alerts: %v", err)
		return flapAlert{}, false
	}
	for _, a := range d.Alerts {
		if a.Labels["alertname"] == "Flappy" {
			return a, true
		}
	}
	return flapAlert{}, false
}

// flapOnce switches the series on until alerter sees the alert firing,
// then off until it sees it resolved; before each switch it waits until
// the sink has received want payloads, so that every transition alerter
// would tell is told before the next one.
func (e *env) flapOnce(want func() int) {
	e.t.Helper()
	waitUntil(e.t, 60*time.Second, "the notifications so far", func() bool { return len(e.flapPayloads()) >= want() })
	e.src.Set("test_flap", inst, 1)
	waitUntil(e.t, 60*time.Second, "Flappy firing", func() bool { a, ok := e.flapAlert(); return ok && a.State == "firing" })
	waitUntil(e.t, 60*time.Second, "the notifications so far", func() bool { return len(e.flapPayloads()) >= want() })
	e.src.Set("test_flap", inst, 0)
	waitUntil(e.t, 60*time.Second, "Flappy resolved", func() bool { _, ok := e.flapAlert(); return !ok })
}

// flapPayloads renders each payload about Flappy as its status, with
// "+flapping" when the alert is marked flapping.
func (e *env) flapPayloads() []string {
	var out []string
	for _, p := range e.sink.Payloads() {
		if p.CommonLabels["alertname"] != "Flappy" {
			continue
		}
		s := p.Status
		for _, a := range p.Alerts {
			if a.Flapping {
				s += "+flapping"
			}
		}
		out = append(out, s)
	}
	return out
}

// TestFlappingSeries runs a real Prometheus scraping a series that goes
// up and down flapCycles times, then stays up, with the real binary and a
// webhook sink. Without flap detection, every transition pages. With it
// (cycles: 1), the first cycle pages as usual, the second firing is told
// once as flapping, the others are held, and once the alert has been
// stable (firing) for stable_for one notification says so.
func TestFlappingSeries(t *testing.T) {
	t.Run("without flap detection", func(t *testing.T) {
		e := newEnv(t, flapRules(""))
		e.src.Set("test_flap", inst, 0)
		e.prom.WaitForSeries(t, "test_flap", 30*time.Second)
		e.start()
		for i := range flapCycles {
			e.flapOnce(func() int { return 2 * i })
		}
		e.src.Set("test_flap", inst, 1)
		waitUntil(t, 60*time.Second, "the last firing", func() bool { return len(e.flapPayloads()) >= 2*flapCycles+1 })
		e.waitEvals("Flappy", 5)
		got := e.flapPayloads()
		if len(got) != 2*flapCycles+1 {
			t.Fatalf("%d notifications, want %d: %v", len(got), 2*flapCycles+1, got)
		}
		for i, s := range got {
			if want := []string{"firing", "resolved"}[i%2]; s != want {
				t.Errorf("notification %d: %s, want %s", i, s, want)
			}
		}
	})

	t.Run("with flap detection", func(t *testing.T) {
		e := newEnv(t, flapRules("        flap_detection: {cycles: 1, window: 1h, stable_for: 30s}\n"))
		e.src.Set("test_flap", inst, 0)
		e.prom.WaitForSeries(t, "test_flap", 30*time.Second)
		e.start()
		e.flapOnce(func() int { return 0 })
		e.flapOnce(func() int { return 2 })
		// Flapping since the second firing; resolved now, and held.
		var since time.Time
		waitUntil(t, 60*time.Second, "the flapping notification", func() bool { return len(e.flapPayloads()) >= 3 })
		v2 := e.flapAMAlerts()
		if len(v2) != 1 || !v2[0].Flapping || v2[0].FlappingSince == nil || v2[0].Status.State != "active" {
			t.Fatalf("/api/v2/alerts while the flapping alert is resolved: %+v", v2)
		}
		since = *v2[0].FlappingSince
		if got := e.metricValue("alerter_alerts_flapping"); got != 1 {
			t.Errorf("alerter_alerts_flapping = %v, want 1", got)
		}
		if got := e.metricValue("alerter_flap_episodes_total", `alertname="Flappy"`); got != 1 {
			t.Errorf("alerter_flap_episodes_total = %v, want 1", got)
		}
		for i := 2; i < flapCycles; i++ {
			e.flapOnce(func() int { return 3 })
			if i == 3 {
				// A restart in the middle of the hold changes nothing.
				e.restart()
				if got := e.metricValue("alerter_alerts_flapping"); got != 1 {
					t.Errorf("alerter_alerts_flapping after the restart = %v, want 1", got)
				}
			}
		}
		e.src.Set("test_flap", inst, 1)
		waitUntil(t, 60*time.Second, "Flappy firing", func() bool {
			a, ok := e.flapAlert()
			// /api/v2/alerts has milliseconds, /api/v1/alerts nanoseconds.
			return ok && a.State == "firing" && a.Flapping && a.FlappingSince.Truncate(time.Millisecond).Equal(since)
		})
		// stable_for is long enough that no pause of the cycles above
		// (the restart included) passes for stability on a busy machine.
		waitUntil(t, 2*time.Minute, "the stable notification", func() bool { return len(e.flapPayloads()) >= 4 })
		e.waitEvals("Flappy", 5)
		want := []string{"firing", "resolved", "firing+flapping", "firing"}
		if got := e.flapPayloads(); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("notifications %v, want %v", got, want)
		}
		if a, ok := e.flapAlert(); !ok || a.Flapping {
			t.Errorf("after the stable notification: %+v", a)
		}
		if got := e.metricValue("alerter_alerts_flapping"); got != 0 {
			t.Errorf("alerter_alerts_flapping once stable = %v, want 0", got)
		}

		// The report: one rule, flapCycles+1 episodes, four notifications,
		// all but the first flapping; alerter report prints it.
		out, err := exec.Command(e.bin, "report", "--url", e.apiURL(""), "--format", "json", "--since", "1h").CombinedOutput()
		if err != nil {
			t.Fatalf("alerter report: %v\n%s", err, out)
		}
		var rep struct {
			Rules []struct {
				Alertname        string `json:"alertname"`
				Episodes         int    `json:"episodes"`
				Notifications    int    `json:"notifications"`
				FlappingEpisodes int    `json:"flappingEpisodes"`
				Flaps            int    `json:"flaps"`
			} `json:"rules"`
		}
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if len(rep.Rules) != 1 || rep.Rules[0].Alertname != "Flappy" || rep.Rules[0].Episodes != flapCycles+1 ||
			rep.Rules[0].Notifications != 4 || rep.Rules[0].FlappingEpisodes != flapCycles {
			t.Errorf("report: %s", out)
		}
		table, err := exec.Command(e.bin, "report", "--url", e.apiURL("")).CombinedOutput()
		if err != nil || !bytes.Contains(table, []byte("Flappy")) {
			t.Errorf("alerter report: %v\n%s", err, table)
		}
	})
}

// flapAMAlert is /api/v2/alerts' alert with alerter's flapping fields.
type flapAMAlert struct {
	Labels        map[string]string `json:"labels"`
	Flapping      bool              `json:"flapping"`
	FlappingSince *time.Time        `json:"flappingSince"`
	Status        struct {
		State string `json:"state"`
	} `json:"status"`
}

func (e *env) flapAMAlerts() []flapAMAlert {
	resp, err := http.Get(e.apiURL("/api/v2/alerts"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []flapAMAlert
	if err := json.Unmarshal(b, &out); err != nil {
		e.t.Fatalf("/api/v2/alerts: %v: %s", err, b)
	}
	return out
}

// TestWebUIFlappingBadge: the alerts page of the web UI, in a real
// headless Chromium, marks a flapping alert with a badge saying since
// when, also while it is resolved for a moment and held.
func TestWebUIFlappingBadge(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, flapRules("        flap_detection: {cycles: 1, window: 1h, stable_for: 10m}\n"))
	e.src.Set("test_flap", inst, 0)
	e.prom.WaitForSeries(t, "test_flap", 30*time.Second)
	e.start()
	e.flapOnce(func() int { return 0 })
	e.flapOnce(func() int { return 2 })
	waitUntil(t, 60*time.Second, "the flapping notification", func() bool { return len(e.flapPayloads()) >= 3 })
	b.navigate(e.apiURL("/"))
	const sel = `article.alert[data-alertname="Flappy"] .badge.flapping`
	b.waitJS("the flapping badge while resolved", `document.querySelector('`+sel+`') && document.querySelector('`+sel+`').textContent.startsWith('Flapping since') && document.querySelector('`+sel+` time')`)
	e.src.Set("test_flap", inst, 1)
	waitUntil(t, 60*time.Second, "Flappy firing", func() bool { a, ok := e.flapAlert(); return ok && a.State == "firing" })
	b.waitJS("the flapping badge while firing", `document.querySelector('`+sel+`')`)
	b.shot("alerts-flapping-laptop")
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
