package integration

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/promtest"
	"github.com/alerter/alerter/replay"
)

// history is the designed history, one value per minute for 6 hours,
// from which the expected figures below are worked out by hand.
//
//	minutes    errors ratio
//	30-89      0.20    an incident: pending 30, fires 35, resolves 90
//	120-121    0.20    a blip: pending 120, cancelled 122
//	150-156    0.20    a flap: fires 155, resolves 157 (2 evaluations)
//	200-259    0.20    an incident: fires 205, resolves 260
//	300-329    0.20    an incident: fires 305, resolves 330 ...
//	330-339    0.08    ... or 340 for the rule with hysteresis (< 0.05)
//	otherwise  0.01
func history(m int) float64 {
	switch {
	case m >= 30 && m < 90, m >= 120 && m < 122, m >= 150 && m < 157, m >= 200 && m < 260, m >= 300 && m < 330:
		return 0.2
	case m >= 330 && m < 340:
		return 0.08
	}
	return 0.01
}

const historyMinutes = 360

const replayRules = `groups:
  - name: errors
    interval: 1m
    rules:
      - alert: ErrorsHigh
        expr: replay_errors_ratio > 0.1
        for: 5m
        labels: {severity: page}
      - alert: ErrorsHysteresis
        query: replay_errors_ratio
        condition: value > 0.1
        resolve: value < 0.05
        for: 5m
`

// The same rules with for: 10m: the flap never fires, nor pages.
const replayRulesSlower = `groups:
  - name: errors
    interval: 1m
    rules:
      - alert: ErrorsHigh
        expr: replay_errors_ratio > 0.1
        for: 10m
        labels: {severity: page}
`

const replayConfig = `route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['severity="page"']
      receiver: pager
receivers:
  - name: team
    webhook_configs: [{url: "https://hooks.example.com/team"}]
  - name: pager
    webhook_configs: [{url: "https://pager.example.com/"}]
`

// promtoolBinary finds promtool, which the prometheus package installs.
func promtoolBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is required in CI: %v", err)
		}
		t.Skipf("promtool not found: %v", err)
	}
	return p
}

// historyPrometheus writes the designed history as OpenMetrics, turns it
// into TSDB blocks with promtool and starts Prometheus on them. It
// returns Prometheus and the history's first minute.
func historyPrometheus(t *testing.T) (*promtest.Prometheus, time.Time) {
	t.Helper()
	tool := promtoolBinary(t)
	dir := t.TempDir()
	start := time.Now().UTC().Truncate(time.Hour).Add(-8 * time.Hour)
	var b strings.Builder
	b.WriteString("# TYPE replay_errors_ratio gauge\n")
	for m := range historyMinutes {
		fmt.Fprintf(&b, "replay_errors_ratio{service=\"api\"} %g %d\n", history(m), start.Add(time.Duration(m)*time.Minute).Unix())
	}
	b.WriteString("# EOF\n")
	om := filepath.Join(dir, "history.om")
	if err := os.WriteFile(om, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if out, err := exec.Command(tool, "tsdb", "create-blocks-from", "openmetrics", om, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
	p := promtest.Start(t, promtest.Options{DataDir: data})
	p.WaitForSeries(t, fmt.Sprintf("replay_errors_ratio @ %d", start.Add(time.Hour).Unix()), 30*time.Second)
	return p, start
}

func runReplay(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, append([]string{"replay"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestReplayOverRealHistory replays the designed history from a real
// Prometheus (blocks made by promtool) with the alerter binary and checks
// every figure against the episodes designed into it, the notifications
// the routing sends, the comparison with a slower version, the timeline
// and the plot; and the errors for ranges Prometheus cannot answer.
func TestReplayOverRealHistory(t *testing.T) {
	prom, start := historyPrometheus(t)
	bin := promtest.BuildAlerter(t)
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, "rules.yml")
	slower := filepath.Join(dir, "slower.yml")
	cfgFile := filepath.Join(dir, "alerter.yml")
	for p, text := range map[string]string{rulesFile: replayRules, slower: replayRulesSlower,
		cfgFile: "datasource: {url: \"" + prom.URL() + "\"}\n" + replayConfig} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	from := start.Format(time.RFC3339)
	to := start.Add((historyMinutes - 1) * time.Minute).Format(time.RFC3339)
	csvPath, svgPath := filepath.Join(dir, "timeline.csv"), filepath.Join(dir, "plot.svg")
	code, out, errs := runReplay(t, bin, "--from", from, "--to", to, "--step", "1m", "--config", cfgFile,
		"--format", "json", "--csv", csvPath, "--plot", "errors/ErrorsHigh", "--plot-out", svgPath,
		"--compare", slower, "--chunk-points", "100", rulesFile)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var rep replay.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Runs) != 2 || len(rep.Runs[0].Rules) != 2 || len(rep.Comparison) != 2 {
		t.Fatalf("report: %s", out)
	}
	high, hyst, slow := rep.Runs[0].Rules[0], rep.Runs[0].Rules[1], rep.Runs[1].Rules[0]
	check := func(name string, got replay.Stats, evals int64, want replay.Stats) {
		t.Helper()
		got.FiringShare, want.FiringShare = 0, 0 // from FiringSeconds
		if got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	ttf5 := replay.Durations{Count: 4, Min: 300, Median: 300, Max: 300}
	check("ErrorsHigh", high.Stats, high.Evaluations, replay.Stats{Pending: 5, Fired: 4, Resolved: 4, Flaps: 1,
		TimeToFire: ttf5, EpisodeDuration: replay.Durations{Count: 4, Min: 120, Median: 40 * 60, Max: 55 * 60},
		FiringSeconds: (55 + 2 + 55 + 25) * 60})
	check("ErrorsHysteresis", hyst.Stats, hyst.Evaluations, replay.Stats{Pending: 5, Fired: 4, Resolved: 4, Flaps: 1,
		TimeToFire: ttf5, EpisodeDuration: replay.Durations{Count: 4, Min: 120, Median: 45 * 60, Max: 55 * 60},
		FiringSeconds: (55 + 2 + 55 + 35) * 60})
	check("ErrorsHigh with for: 10m", slow.Stats, slow.Evaluations, replay.Stats{Pending: 5, Fired: 3, Resolved: 3,
		TimeToFire:      replay.Durations{Count: 3, Min: 600, Median: 600, Max: 600},
		EpisodeDuration: replay.Durations{Count: 3, Min: 20 * 60, Median: 50 * 60, Max: 50 * 60},
		FiringSeconds:   (50 + 50 + 20) * 60})
	if high.Evaluations != historyMinutes || high.NoData || high.Errors != 0 {
		t.Errorf("ErrorsHigh: %d evaluations, no data %v, %d errors", high.Evaluations, high.NoData, high.Errors)
	}
	// Each episode: firing after group_wait, resolved at the next
	// group_interval tick; the page route takes ErrorsHigh.
	if got := fmt.Sprint(rep.Runs[0].Receivers); got != "[{pager 8} {team 8}]" {
		t.Errorf("receivers %s", got)
	}
	if got := fmt.Sprint(rep.Runs[1].Receivers); got != "[{pager 6}]" {
		t.Errorf("receivers with for: 10m %s", got)
	}
	if a := high.Alerts; len(a) != 1 || a[0].Labels["service"] != "api" || a[0].Labels["severity"] != "page" || a[0].Fired != 4 || a[0].Notifications != 8 {
		t.Errorf("alerts %+v", a)
	}

	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var firings []string
	for _, r := range rows[1:] {
		if r[0] == rulesFile && r[3] == "ErrorsHigh" && r[5] == "firing" {
			tm, _ := time.Parse(time.RFC3339, r[1])
			firings = append(firings, fmt.Sprint(int(tm.Sub(start)/time.Minute)))
		}
	}
	if strings.Join(firings, ",") != "35,155,205,305" {
		t.Errorf("firing minutes in the timeline: %v", firings)
	}
	if svg, err := os.ReadFile(svgPath); err != nil || !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("replay_errors_ratio")) {
		t.Errorf("plot: %v\n%.300s", err, svg)
	}

	// The table, and the default schedule (the group's own offset within
	// the minute): the same episodes.
	code, out, errs = runReplay(t, bin, "--from", from, "--to", to, "--datasource.url", prom.URL(), rulesFile)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, w := range []string{"errors/ErrorsHigh", "errors/ErrorsHysteresis", `{service="api", severity="page"}`, "5m/5m/5m", "2m/40m/55m", "TOTAL"} {
		if !strings.Contains(out, w) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}

	// Ranges Prometheus cannot answer.
	code, _, errs = runReplay(t, bin, "--from", "now-30d", "--to", "now-29d", "--datasource.url", prom.URL(), rulesFile)
	if code != 1 || !strings.Contains(errs, "outside Prometheus's retention (15d)") {
		t.Errorf("range outside retention: exit %d\n%s", code, errs)
	}
	code, _, errs = runReplay(t, bin, "--from", "now-90m", "--to", "now-30m", "--datasource.url", prom.URL(), rulesFile)
	if code != 1 || !strings.Contains(errs, "no rule's query returned anything") {
		t.Errorf("range without data: exit %d\n%s", code, errs)
	}
	code, _, errs = runReplay(t, bin, "--from", from, "--to", to, "--step", "1s", "--chunk-points", "20000", "--datasource.url", prom.URL(), rulesFile)
	if code != 1 || !strings.Contains(errs, "at most 11000") {
		t.Errorf("too many points: exit %d\n%s", code, errs)
	}
}

// TestReplayAgreesWithRun runs alerter on a live series that goes through
// three incidents, then replays the same stretch of Prometheus's history
// with the same configuration: the episodes replay counts, their firing
// times and the notifications its simulated pipeline sends are those
// alerter run fired and delivered.
func TestReplayAgreesWithRun(t *testing.T) {
	e := newEnvWith(t, `groups:
  - name: live
    interval: 1s
    rules:
      - alert: LiveHigh
        expr: live_value > 0.5
        for: 2s
`, "0s", `route:
  receiver: sink
  group_by: ['...']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
    webhook_configs:
      - url: {{sink}}
`)
	e.src.Set("live_value", nil, 0.1)
	e.prom.WaitForSeries(t, "live_value", 30*time.Second)
	e.start()
	from := time.Now()
	time.Sleep(3 * time.Second)
	for _, high := range []bool{true, false, true, false, true, false} {
		v, d := 0.1, 7*time.Second
		if high {
			v, d = 0.9, 8*time.Second
		}
		e.src.Set("live_value", nil, v)
		time.Sleep(d)
	}
	time.Sleep(3 * time.Second)
	to := time.Now().Add(-time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for len(e.sink.Payloads()) < 6 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	// What alerter run did: one firing and one resolved notification per
	// episode, StartsAt being when it fired.
	fired := map[time.Time]bool{}
	resolved := 0
	for _, p := range e.sink.Payloads() {
		for _, a := range p.Alerts {
			if a.StartsAt.Before(from) || a.StartsAt.After(to) {
				continue
			}
			fired[a.StartsAt] = true
			if a.Status == "resolved" {
				resolved++
			}
		}
	}
	if len(fired) != 3 || resolved != 3 || len(e.sink.Payloads()) != 6 {
		t.Fatalf("alerter run: %d episodes, %d resolved, %d notifications (want 3, 3, 6)", len(fired), resolved, len(e.sink.Payloads()))
	}

	csvPath := filepath.Join(e.dir, "timeline.csv")
	code, out, errs := runReplay(t, e.bin, "--config", e.cfgPath, "--format", "json", "--csv", csvPath,
		"--from", from.UTC().Format(time.RFC3339Nano), "--to", to.UTC().Format(time.RFC3339Nano))
	if code != 0 {
		t.Fatalf("replay exit %d\n%s\n%s", code, out, errs)
	}
	var rep replay.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0].Rules[0]
	if r.Fired != 3 || r.Resolved != 3 || r.Open != 0 || rep.Runs[0].Totals.Notifications != 6 {
		t.Errorf("replay: fired %d, resolved %d, open %d, notifications %d; alerter run: 3, 3, 0, 6\n%s",
			r.Fired, r.Resolved, r.Open, rep.Runs[0].Totals.Notifications, out)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(f).ReadAll()
	f.Close()
	var replayed []time.Time
	for _, row := range rows[1:] {
		if row[5] == "firing" {
			tm, _ := time.Parse(time.RFC3339Nano, row[1])
			replayed = append(replayed, tm)
		}
	}
	// Same evaluation schedule (the group's offset within the second); a
	// scrape that the live evaluation had not yet seen can move an edge
	// by one evaluation.
	for _, tm := range replayed {
		near := false
		for live := range fired {
			if d := tm.Sub(live); d > -1500*time.Millisecond && d < 1500*time.Millisecond {
				near = true
			}
		}
		if !near {
			t.Errorf("replay fired at %s; alerter run fired at %v", tm.Format(time.RFC3339Nano), fired)
		}
	}
}
