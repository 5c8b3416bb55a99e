package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestWebOneGoesHighEveryCycle(t *testing.T) {
	m := newModel(time.Unix(0, 0), defaultCycle)
	web1 := func(at time.Duration) float64 { return m.cpu(at)[0].value }
	tests := []struct {
		at       time.Duration
		wantHigh bool
	}{
		{0, false},
		{highStart + time.Second, true},
		{highStart + defaultCycle/2 - time.Second, true},
		{highStart + defaultCycle/2 + ramp + time.Second, false},
		{defaultCycle + highStart + 30*time.Second, true},
	}
	for _, tt := range tests {
		if got := web1(tt.at) > 0.9; got != tt.wantHigh {
			t.Errorf("web-1 at %v = %.3f, want high=%v", tt.at, web1(tt.at), tt.wantHigh)
		}
	}
	// The high phase must outlast a 30s "for" with room to spare.
	high := 0
	for at := time.Duration(0); at < defaultCycle; at += time.Second {
		if web1(at) > 0.9 {
			high++
		}
	}
	if high < 60 {
		t.Errorf("web-1 is high for %ds per cycle, want at least 60s", high)
	}
	// It climbs: warning level early in the window, critical late.
	if v := web1(highStart + 5*time.Second); v > 0.97 {
		t.Errorf("web-1 early in the window = %.3f, want at most 0.97", v)
	}
	if v := web1(highStart + defaultCycle/2 - 5*time.Second); v <= 0.97 {
		t.Errorf("web-1 late in the window = %.3f, want above 0.97", v)
	}
}

func TestOtherInstancesStayBelowThreshold(t *testing.T) {
	m := newModel(time.Unix(0, 0), defaultCycle)
	for at := time.Duration(0); at < 2*defaultCycle; at += time.Second {
		for _, s := range m.cpu(at)[1:] {
			if s.value > 0.9 || s.value < 0 {
				t.Fatalf("%s at %v = %.3f, want within [0, 0.9]", s.instance, at, s.value)
			}
		}
	}
}

func TestCountersIncrease(t *testing.T) {
	start := time.Unix(0, 0)
	m := newModel(start, defaultCycle)
	first := m.advance(start.Add(10 * time.Second))
	second := m.advance(start.Add(20 * time.Second))
	for i := range first {
		if second[i].value <= first[i].value {
			t.Errorf("code %s: %v then %v, want increasing", first[i].code, first[i].value, second[i].value)
		}
	}
	// Time going backwards must not decrease a counter.
	third := m.advance(start.Add(15 * time.Second))
	for i := range third {
		if third[i].value < second[i].value {
			t.Errorf("code %s decreased", third[i].code)
		}
	}
}

func TestBatchDownOnceEveryThreeCycles(t *testing.T) {
	m := newModel(time.Unix(0, 0), defaultCycle)
	down := 0
	for at := time.Duration(0); at < 3*defaultCycle; at += time.Second {
		if m.up(at) == 0 {
			down++
		}
	}
	if down != 45 {
		t.Errorf("batch-1 down for %ds per three cycles, want 45s", down)
	}
}

func TestExposition(t *testing.T) {
	start := time.Unix(0, 0)
	m := newModel(start, defaultCycle)
	var buf bytes.Buffer
	m.write(&buf, start.Add(30*time.Second))
	out := buf.String()
	for _, want := range []string{
		"# TYPE demo_cpu_usage_ratio gauge\n",
		`demo_cpu_usage_ratio{instance="web-1",env="prod"} 0.9`,
		"# TYPE demo_http_requests_total counter\n",
		`demo_http_requests_total{code="500"} `,
		`demo_up{instance="batch-1",env="prod"} 1` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q:\n%s", want, out)
		}
	}
}
