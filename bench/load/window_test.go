package load

import (
	"math"
	"testing"
	"time"
)

// window is a steady-state measurement: alerter's (and Prometheus's)
// metrics when every group had completed its first evaluation (A), and
// again once every group had completed at least one more (B). The first
// evaluation, which creates the alerts and fills alerter's caches, is
// before A; only what happened between A and B is divided into per-cycle
// figures.
type window struct {
	A, B         Snapshot // alerter
	PromA, PromB Snapshot // Prometheus
	// MachineA and MachineB are the CPU seconds every process of the
	// machine had used, read with A and B.
	MachineA, MachineB float64
	keys               []string
}

// cycles is how many evaluations of every group fell between A and B,
// from alerter's iteration counters: ideally 1.0.
func (w window) cycles() float64 {
	d := sumOver(iterations(w.B), w.keys) - sumOver(iterations(w.A), w.keys)
	return d / float64(len(w.keys))
}

// perCycle is the increase of alerter's counter name between A and B,
// divided by cycles.
func (w window) perCycle(name string, match map[string]string) float64 {
	return (w.B.Sum(name, match) - w.A.Sum(name, match)) / w.cycles()
}

// promPerCycle is the increase of Prometheus's counter name between A and
// B, divided by alerter's cycles.
func (w window) promPerCycle(name string, match map[string]string) float64 {
	return (w.PromB.Sum(name, match) - w.PromA.Sum(name, match)) / w.cycles()
}

// othersPerCycle is the CPU that processes other than alerter and
// Prometheus (the harness, and anything else running on the machine) used
// per cycle between A and B.
func (w window) othersPerCycle() float64 {
	if w.MachineA == 0 || w.MachineB == 0 {
		return 0
	}
	return (w.MachineB-w.MachineA)/w.cycles() -
		w.perCycle("process_cpu_seconds_total", nil) - w.promPerCycle("process_cpu_seconds_total", nil)
}

// promEvals counts completed evaluations per Prometheus group from
// successive readings of prometheus_rule_group_last_evaluation_timestamp_seconds:
// each distinct positive value is one. The groups must be new (loaded by
// this reload), so that any positive value was set after the reload.
type promEvals map[string]map[float64]bool

func (p promEvals) observe(s Snapshot) {
	for k, v := range s.ByLabel("prometheus_rule_group_last_evaluation_timestamp_seconds", "rule_group") {
		if v <= 0 {
			continue
		}
		if p[k] == nil {
			p[k] = map[float64]bool{}
		}
		p[k][v] = true
	}
}

// min is the fewest evaluations among keys' groups; with no keys, more
// than any count asked for.
func (p promEvals) min(keys []string) int {
	if len(keys) == 0 {
		return math.MaxInt
	}
	lo := -1
	for _, k := range keys {
		if n := len(p[k]); lo < 0 || n < lo {
			lo = n
		}
	}
	return max(lo, 0)
}

// measure waits for window A (every alerter group of keys evaluated once)
// and B (every one evaluated at least Config.Cycles times more, and every
// Prometheus group of promKeys as often), scraping both processes at each. alerter's /metrics
// costs it O(alerts) (the alerter_alerts gauge counts them), so within the
// window it is scraped only once most of a cycle has passed.
func (b *bench) measure(t *testing.T, a *alerterProc, keys, promKeys []string, interval time.Duration) window {
	t.Helper()
	w := window{keys: keys}
	evals := promEvals{}
	timeout := 4*interval + 3*time.Minute
	b.waitUntil(t, "first evaluation of every group", timeout, func() bool {
		w.PromA = b.scrapeProm(t)
		evals.observe(w.PromA)
		w.A = a.metrics(t)
		w.MachineA, _ = machineBusy()
		return minOver(iterations(w.A), keys) >= 1
	})
	cycles := max(b.cfg.Cycles, 1)
	time.Sleep(time.Duration(cycles)*interval - interval*2/10)
	b.waitUntil(t, "second evaluation of every group", timeout+time.Duration(cycles)*interval, func() bool {
		w.PromB = b.scrapeProm(t)
		evals.observe(w.PromB)
		if evals.min(promKeys) < 1+cycles {
			return false
		}
		w.B = a.metrics(t)
		w.MachineB, _ = machineBusy()
		return minOver(iterations(w.B), keys) >= 1+float64(cycles) &&
			sumOver(iterations(w.B), keys)-sumOver(iterations(w.A), keys) >= float64(cycles*len(keys))
	})
	return w
}
