package load

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/internal/promtest"
	"github.com/alerter/alerter/internal/webhooksink"
)

// PageMetric is the page scenario's series: one per trial (label trial),
// 0 until its trial sets it to 1.
const PageMetric = "bench_page"

// alertmanagerPath is where Debian's prometheus-alertmanager package
// installs Alertmanager.
const alertmanagerPath = "/usr/bin/prometheus-alertmanager"

// pageEngines are the page scenario's notifiers, in table order.
var pageEngines = []string{"alerter, group_wait_early", "alerter", "Prometheus + Alertmanager"}

// pageResult is, per engine, the time from each trial's threshold
// crossing (the source serving the new value) to the webhook payload
// that told its alert.
type pageResult struct {
	Trials  int
	Latency map[string][]time.Duration
}

// pageTracker records when each trial's alert first arrived at one sink.
type pageTracker struct {
	mu  sync.Mutex
	got map[string]time.Time // trial -> arrival
}

func (p *pageTracker) onPayload(pl webhooksink.Payload) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range pl.Alerts {
		if a.Status == webhooksink.StatusFiring && a.Labels["alertname"] == "PageHigh" {
			if _, seen := p.got[a.Labels["trial"]]; !seen {
				p.got[a.Labels["trial"]] = pl.ReceivedAt
			}
		}
	}
}

func (p *pageTracker) arrival(trial string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.got[trial]
	return at, ok
}

// runPage measures time to page: a rule with `for` (PageFor), evaluated
// every PageInterval, routed with group_wait PageGroupWait, in alerter with
// group_wait_early, in alerter without it, and in Prometheus's rule
// manager with Alertmanager, all on one Prometheus scraping one source
// every second. The rule group is named so that both engines evaluate it
// at the same moment of the interval. Each trial sets a new series above
// the threshold (a new alert and a new notification group in every
// engine) and waits for the three webhooks.
func (b *bench) runPage(t *testing.T) pageResult {
	t.Helper()
	if _, err := exec.LookPath(alertmanagerPath); err != nil {
		msg := alertmanagerPath + " not found: install Debian's prometheus-alertmanager (scripts/ensure-deps.sh)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cfg := b.cfg
	dir := t.TempDir()
	src := promtest.NewSource(t)
	var gauges []promtest.Gauge
	for i := range cfg.PageTrials {
		gauges = append(gauges, promtest.Gauge{Name: PageMetric, Labels: map[string]string{"trial": strconv.Itoa(i)}})
	}
	src.SetMany(gauges)

	trackers := map[string]*pageTracker{}
	sinkURL := map[string]string{}
	for _, e := range pageEngines {
		tr := &pageTracker{got: map[string]time.Time{}}
		sink := webhooksink.New(webhooksink.Options{OnPayload: tr.onPayload, MaxPayloads: 1, Lenient: e == pageEngines[2]})
		srv := httptest.NewServer(sink)
		t.Cleanup(srv.Close)
		trackers[e], sinkURL[e] = tr, srv.URL
	}
	am := startAlertmanager(t, dir, sinkURL[pageEngines[2]], cfg.PageGroupWait)

	// One rule file for both engines; its group evaluates at the same
	// offset in both.
	file := ruleFilePath(filepath.Join(dir, "page"), "page", 0)
	group := []ruleGroup{{Name: "page", Interval: model.Duration(cfg.PageInterval), Rules: []rule{{
		Alert: "PageHigh", Expr: PageMetric + " > 0.5", For: model.Duration(cfg.PageFor),
		Labels: map[string]string{"severity": "page"},
	}}}}
	if err := alignGroup(&group[0], file, cfg.PageInterval); err != nil {
		t.Fatal(err)
	}
	files, err := writeRuleFiles(filepath.Dir(file), "page", group, 1)
	if err != nil {
		t.Fatal(err)
	}
	opts := promtest.Options{
		Targets: []string{src.Addr()}, ScrapeInterval: time.Second, EvaluationInterval: cfg.PageInterval,
		RuleFiles: files, Alertmanagers: []string{am},
	}
	prom := promtest.Start(t, opts)
	prom.WaitForSeries(t, fmt.Sprintf("count(%s) == %d", PageMetric, cfg.PageTrials), time.Minute)
	for i, e := range pageEngines[:2] {
		a := b.startAlerter(t, alerterOptions{
			RuleFiles: files, Interval: cfg.PageInterval, SinkURL: sinkURL[e],
			GroupBy: []string{"alertname", "trial"}, GroupWait: cfg.PageGroupWait,
			GroupWaitEarly: i == 0, Datasource: prom.URL(),
		})
		defer a.stop(t)
	}
	// Every engine has evaluated the group at least twice.
	time.Sleep(2*cfg.PageInterval + time.Second)

	res := pageResult{Latency: map[string][]time.Duration{}}
	for i := range cfg.PageTrials {
		trial := strconv.Itoa(i)
		// Cross at a different moment of the interval each time.
		time.Sleep(cfg.PageInterval * time.Duration(i%cfg.PageTrials) / time.Duration(cfg.PageTrials))
		crossed := time.Now()
		src.Set(PageMetric, map[string]string{"trial": trial}, 1)
		wait := cfg.PageFor + 2*cfg.PageInterval + cfg.PageGroupWait + time.Minute
		b.waitUntil(t, "trial "+trial+" paged by every engine", wait, func() bool {
			for _, tr := range trackers {
				if _, ok := tr.arrival(trial); !ok {
					return false
				}
			}
			return true
		})
		for e, tr := range trackers {
			at, _ := tr.arrival(trial)
			res.Latency[e] = append(res.Latency[e], at.Sub(crossed))
		}
		res.Trials++
	}
	return res
}

// alignGroup renames the group so that alerter and Prometheus evaluate it
// within 20ms of the same offset of the interval.
func alignGroup(g *ruleGroup, file string, iv time.Duration) error {
	base := g.Name
	for n := 0; n < 1_000_000; n++ {
		name := fmt.Sprintf("%s-%d", base, n)
		d := alerterOffset(file+";"+name, iv) - promOffset(file, name, iv)
		if d.Abs() < 20*time.Millisecond {
			g.Name = name
			return nil
		}
	}
	return fmt.Errorf("no name for group %s with the same offset in both engines", base)
}

// startAlertmanager runs Alertmanager (no cluster) routing every alert to
// sinkURL, grouped by [alertname, trial] with groupWait, and returns its
// host:port. It is stopped in t.Cleanup.
func startAlertmanager(t *testing.T, dir, sinkURL string, groupWait time.Duration) string {
	t.Helper()
	cfg := fmt.Sprintf(`route:
  receiver: sink
  group_by: [alertname, trial]
  group_wait: %s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: sink
    webhook_configs: [{url: %q}]
`, model.Duration(groupWait), sinkURL)
	path := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	port := promtest.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p := promtest.StartBinary(t, alertmanagerPath, []string{
		"--config.file=" + path, "--storage.path=" + filepath.Join(dir, "am-data"),
		"--web.listen-address=" + addr, "--cluster.listen-address=",
	}, nil)
	p.WaitHTTP(t, "http://"+addr+"/-/ready", time.Minute)
	t.Cleanup(func() { _ = p.Stop() })
	return addr
}

// pageTable renders the page result: per engine, the median and range of
// the trials' times to page, and the saving against Prometheus +
// Alertmanager.
func pageTable(cfg Config, r pageResult) *Table {
	t := &Table{
		Title: fmt.Sprintf("Time to page: `expr: %s > 0.5`, `for: %s`, evaluated every %s; group_wait %s; %d trials",
			PageMetric, cfg.PageFor, cfg.PageInterval, cfg.PageGroupWait, r.Trials),
		Header: []string{"engine", "threshold crossed → webhook, median s", "min–max s", "median sooner than Prometheus + Alertmanager s"},
	}
	ref := median(r.Latency[pageEngines[2]])
	for _, e := range pageEngines {
		ls := r.Latency[e]
		if len(ls) == 0 {
			continue
		}
		lo, hi := slices.Min(ls), slices.Max(ls)
		t.Add(e, secs(median(ls).Seconds()), secs(lo.Seconds())+"–"+secs(hi.Seconds()), fmt.Sprintf("%+.2f", (ref-median(ls)).Seconds()))
	}
	t.Notes = []string{
		"threshold crossed: the moment the source starts serving the series' new value (1 instead of 0); Prometheus scrapes it every second. " +
			"webhook: the arrival of the first payload with the trial's alert firing at the engine's local webhook receiver. " +
			"Each trial raises a new alert (label trial) in a new notification group (group_by [alertname, trial]). " +
			"The rule group is named so that alerter and Prometheus evaluate it at the same moment of the interval; trials cross at different moments of it. " +
			"group_wait_early: the first notification of a group goes out once the rule evaluations due when it formed are stored (bounded by group_wait).",
	}
	return t
}

// median of ds (the lower middle for an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
