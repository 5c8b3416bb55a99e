package load

import (
	"fmt"
	"math"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/webhooksink"
)

// stormResult is the storm scenario's figures.
type stormResult struct {
	Alerts        int
	Notifications int           // firing payloads received until every alert was told
	Spread        time.Duration // max - min startsAt (0: one evaluation fired them all)
	First, Last   time.Duration // evaluation (startsAt) to the first / the completing notification
	StormEval     float64       // duration of the evaluation that saw the storm
	IdleEval      float64       // the group's duration before, with no alert
	EvalDur       float64       // the storm group's duration in the first steady evaluation after
	RSSBefore     float64
	RSSAfter      float64
	HeapBefore    float64
	HeapAfter     float64
	// Others is the CPU other processes than alerter and Prometheus used
	// from the storm's scrape to its last notification, per second.
	Others float64
}

// stormTracker records, as webhook payloads arrive, when each storm alert
// was first told.
type stormTracker struct {
	mu          sync.Mutex
	told        map[string]bool
	payloads    int
	first, last time.Time // arrival of the first payload / the one completing want
	minStart    time.Time
	maxStart    time.Time
	want        int
}

func (s *stormTracker) onPayload(p webhooksink.Payload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Status != webhooksink.StatusFiring {
		return
	}
	s.payloads++
	if s.first.IsZero() {
		s.first = p.ReceivedAt
	}
	for _, a := range p.Alerts {
		if a.Status != webhooksink.StatusFiring || a.Labels["alertname"] != "StormHigh" {
			continue
		}
		s.told[a.Fingerprint] = true
		if s.minStart.IsZero() || a.StartsAt.Before(s.minStart) {
			s.minStart = a.StartsAt
		}
		if a.StartsAt.After(s.maxStart) {
			s.maxStart = a.StartsAt
		}
	}
	if len(s.told) >= s.want && s.last.IsZero() {
		s.last = p.ReceivedAt
	}
}

func (s *stormTracker) done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.last.IsZero()
}

// runStorm starts alerter with the storm rule over series all below its
// threshold, lets it settle, sets every series above the threshold at once
// and times the notifications of the evaluation that sees them.
func (b *bench) runStorm(t *testing.T) stormResult {
	t.Helper()
	cfg := b.cfg
	tr := &stormTracker{told: map[string]bool{}, want: cfg.StormSeries}
	sink := webhooksink.New(webhooksink.Options{OnPayload: tr.onPayload, MaxPayloads: 1})
	srv := httptest.NewServer(sink)
	defer srv.Close()

	files, keys := b.writeRules(t, "storm", stormRules(cfg.StormInterval), 1)
	a := b.startAlerter(t, alerterOptions{
		RuleFiles: files, Interval: cfg.StormInterval, SinkURL: srv.URL,
		GroupBy: []string{"alertname", "shard"}, GroupWait: cfg.StormGroupWait,
	})
	defer a.stop(t)

	// Settled: two evaluations with nothing above the threshold.
	var before Snapshot
	b.waitUntil(t, "storm group evaluated twice", 3*cfg.StormInterval+time.Minute, func() bool {
		before = a.metrics(t)
		return minOver(iterations(before), keys) >= 2
	})
	busy0, cpu0, promCPU0, t0 := b.cpuNow(t, a)
	b.src.SetMany(stormGauges(cfg.StormSeries, cfg.StormShards, 1))
	// Record each evaluation's duration by its timestamp, to find the one
	// that saw the storm (its timestamp is the alerts' startsAt) before the
	// next evaluation overwrites it.
	group := map[string]string{"rule_group": keys[0]}
	durByTS := map[float64]float64{}
	b.waitUntil(t, "every storm alert notified", cfg.ScrapeInterval+3*cfg.StormInterval+3*time.Minute, func() bool {
		s := a.metrics(t)
		durByTS[s.Sum("alerter_rule_group_last_evaluation_timestamp_seconds", group)] =
			s.Sum("alerter_rule_group_last_duration_seconds", group)
		return tr.done()
	})
	busy1, cpu1, promCPU1, t1 := b.cpuNow(t, a)
	others := ((busy1 - busy0) - (cpu1 - cpu0) - (promCPU1 - promCPU0)) / t1.Sub(t0).Seconds()
	stormEval := -1.0
	start := float64(tr.minStart.UnixNano()) / 1e9
	for ts, d := range durByTS {
		if math.Abs(ts-start) < 0.001 {
			stormEval = d
		}
	}

	// Settled again, now with every alert firing: two more evaluations.
	told := minOver(iterations(a.metrics(t)), keys)
	var after Snapshot
	b.waitUntil(t, "storm group evaluated twice more", 3*cfg.StormInterval+time.Minute, func() bool {
		after = a.metrics(t)
		return minOver(iterations(after), keys) >= told+2
	})

	tr.mu.Lock()
	defer tr.mu.Unlock()
	res := stormResult{
		Alerts:        len(tr.told),
		Notifications: tr.payloads,
		Spread:        tr.maxStart.Sub(tr.minStart),
		First:         tr.first.Sub(tr.minStart),
		Last:          tr.last.Sub(tr.minStart),
		StormEval:     stormEval,
		IdleEval:      before.Sum("alerter_rule_group_last_duration_seconds", group),
		EvalDur:       after.Sum("alerter_rule_group_last_duration_seconds", group),
		RSSBefore:     before.Sum("process_resident_memory_bytes", nil),
		RSSAfter:      after.Sum("process_resident_memory_bytes", nil),
		HeapBefore:    before.Sum("go_memstats_heap_inuse_bytes", nil),
		HeapAfter:     after.Sum("go_memstats_heap_inuse_bytes", nil),
		Others:        others,
	}
	if firing := after.Sum("alerter_alerts", map[string]string{"state": "firing"}); int(firing) != cfg.StormSeries {
		t.Errorf("storm: %v alerts firing after the storm, want %d", firing, cfg.StormSeries)
	}
	if res.Spread != 0 {
		t.Logf("storm: alerts started over %v, not in one evaluation (the scrape straddled an evaluation)", res.Spread)
	}
	return res
}

// stormTable renders the storm result.
func stormTable(cfg Config, r stormResult) *Table {
	perAlert := func(after, before float64) string {
		return fmt.Sprintf("%.2f", (after-before)/float64(r.Alerts)/1024)
	}
	t := &Table{
		Title: fmt.Sprintf("Storm: %s series cross the threshold in one scrape; group_by [alertname, shard] (%d groups), group_wait %s, evaluation interval %s",
			thousands(cfg.StormSeries), cfg.StormShards, cfg.StormGroupWait, cfg.StormInterval),
		Header: []string{
			"alerts notified", "notifications", "eval → first notification s", "eval → last notification s",
			"storm eval s", "eval s before / after", "RSS before MiB", "RSS after MiB", "RSS KiB/alert", "heap in use KiB/alert",
			"other CPU (cores)",
		},
	}
	t.Add(thousands(r.Alerts), r.Notifications, secs(r.First.Seconds()), secs(r.Last.Seconds()),
		secs(r.StormEval), secs(r.IdleEval)+" / "+secs(r.EvalDur), mib(r.RSSBefore), mib(r.RSSAfter),
		perAlert(r.RSSAfter, r.RSSBefore), perAlert(r.HeapAfter, r.HeapBefore), fmt.Sprintf("%.2f", max(r.Others, 0)))
	t.Notes = []string{
		"eval → notification: from the evaluation timestamp that saw the series firing (every alert's startsAt; `for: 0`) " +
			"to the arrival at the local webhook of the first payload / of the payload that completed the set of alerts; it includes group_wait. " +
			"RSS before: settled with no alert; after: two evaluations after the storm was delivered, every alert firing. " +
			"KiB/alert = (after - before) / alerts. storm eval: the duration of the evaluation that created the alerts (query, state, commit of the new alerts and their events); " +
			"eval before / after: the group's steady durations with no alert and with every alert firing. " +
			"other CPU: cores used by other processes (the harness, other jobs) from the storm's values being set to the last notification.",
	}
	return t
}

// cpuNow reads the machine's busy CPU seconds, alerter's and Prometheus's
// CPU seconds, and the time.
func (b *bench) cpuNow(t *testing.T, a *alerterProc) (busy, alerter, prom float64, at time.Time) {
	t.Helper()
	at = time.Now()
	busy, _ = machineBusy()
	alerter = a.metrics(t).Sum("process_cpu_seconds_total", nil)
	prom = b.scrapeProm(t).Sum("process_cpu_seconds_total", nil)
	return busy, alerter, prom, at
}
