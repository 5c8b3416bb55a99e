package main

import (
	"fmt"
	"io"
	"math"
	"sync"
	"time"
)

// defaultCycle is how often web-1's CPU goes high. Half of it is spent
// above 0.9, long enough for a rule with "for: 30s" to fire and resolve.
const defaultCycle = 150 * time.Second

// highStart is when, within a cycle, web-1's CPU starts rising, so the
// first alert comes soon after the demo starts.
const highStart = 10 * time.Second

// ramp is how long a rise or fall takes.
const ramp = 5 * time.Second

// model computes the demo metrics from the time since the demo started.
// Gauges are a pure function of that time; counters integrate their rate.
type model struct {
	start time.Time
	cycle time.Duration

	mu       sync.Mutex
	last     time.Time
	requests map[string]float64 // by status code
}

// codeValue is a number per HTTP status code: a rate or a counter.
type codeValue struct {
	code  string
	value float64
}

func newModel(start time.Time, cycle time.Duration) *model {
	return &model{start: start, cycle: cycle, last: start, requests: map[string]float64{}}
}

// cpuSeries is one demo_cpu_usage_ratio series.
type cpuSeries struct {
	instance, env string
	value         float64
}

// cpu returns demo_cpu_usage_ratio at elapsed: web-1 (prod) is above 0.9
// for half of every cycle, rising through 0.97 near its end, db-1 (staging) climbs to about 0.85 in the
// other half, web-2 (prod) stays low.
func (m *model) cpu(elapsed time.Duration) []cpuSeries {
	sec := elapsed.Seconds()
	base := func(shift float64) float64 {
		return 0.4 + 0.1*math.Sin(2*math.Pi*(sec+shift)/37) + 0.03*math.Sin(2*math.Pi*(sec+shift)/7)
	}
	// While high, web-1 climbs from 0.92 to 0.99: warning first, then
	// critical (above 0.97) for the last part of the window.
	half := m.cycle / 2
	progress := float64((elapsed%m.cycle)-highStart) / float64(half)
	high := 0.92 + 0.07*min(max(progress, 0), 1) + 0.003*math.Sin(2*math.Pi*sec/11)
	web1 := mix(base(0), high, window(elapsed, m.cycle, highStart, highStart+half))
	db1 := mix(base(13), 0.85, window(elapsed, m.cycle, highStart+half+ramp, m.cycle-ramp))
	return []cpuSeries{
		{"web-1", "prod", web1},
		{"web-2", "prod", base(5)},
		{"db-1", "staging", db1},
	}
}

// up returns demo_up for batch-1: 0 for 45s once every three cycles.
func (m *model) up(elapsed time.Duration) float64 {
	phase := elapsed % (3 * m.cycle)
	down := m.cycle + m.cycle/2
	if phase >= down && phase < down+45*time.Second {
		return 0
	}
	return 1
}

// rates returns the per-second request rates by code; errors rise while
// web-1 is busy.
func (m *model) rates(elapsed time.Duration) []codeValue {
	busy := window(elapsed, m.cycle, highStart, highStart+m.cycle/2)
	return []codeValue{{"200", 40}, {"404", 2}, {"500", 0.5 + 7.5*busy}}
}

// advance integrates the request counters up to now and returns them.
func (m *model) advance(now time.Time) []codeValue {
	m.mu.Lock()
	defer m.mu.Unlock()
	dt := max(now.Sub(m.last), 0)
	if dt > 0 {
		m.last = now
	}
	rates := m.rates(now.Sub(m.start))
	for i, r := range rates {
		m.requests[r.code] += r.value * dt.Seconds()
		rates[i].value = m.requests[r.code]
	}
	return rates
}

// write renders the exposition at now.
func (m *model) write(w io.Writer, now time.Time) {
	elapsed := now.Sub(m.start)
	fmt.Fprintln(w, "# HELP demo_cpu_usage_ratio Demo CPU usage (0-1); web-1 climbs from 0.92 to 0.99 for half of every cycle.")
	fmt.Fprintln(w, "# TYPE demo_cpu_usage_ratio gauge")
	for _, s := range m.cpu(elapsed) {
		fmt.Fprintf(w, "demo_cpu_usage_ratio{instance=%q,env=%q} %.4f\n", s.instance, s.env, s.value)
	}
	fmt.Fprintln(w, "# HELP demo_http_requests_total Demo HTTP requests by status code; 500s rise while web-1 is busy.")
	fmt.Fprintln(w, "# TYPE demo_http_requests_total counter")
	for _, c := range m.advance(now) {
		fmt.Fprintf(w, "demo_http_requests_total{code=%q} %.0f\n", c.code, c.value)
	}
	fmt.Fprintln(w, "# HELP demo_up Whether a demo service is up; batch-1 goes down for 45s every three cycles.")
	fmt.Fprintln(w, "# TYPE demo_up gauge")
	fmt.Fprintf(w, "demo_up{instance=%q,env=%q} 1\n", "web-1", "prod")
	fmt.Fprintf(w, "demo_up{instance=%q,env=%q} %g\n", "batch-1", "prod", m.up(elapsed))
}

// window is 1 inside [from, to) of each cycle, 0 well outside, with linear
// ramps of length ramp leading in and out.
func window(elapsed, cycle, from, to time.Duration) float64 {
	phase := elapsed % cycle
	switch {
	case phase >= from && phase < to:
		return 1
	case phase >= from-ramp && phase < from:
		return float64(phase-(from-ramp)) / float64(ramp)
	case phase >= to && phase < to+ramp:
		return 1 - float64(phase-to)/float64(ramp)
	default:
		return 0
	}
}

func mix(a, b, w float64) float64 { return a*(1-w) + b*w }
