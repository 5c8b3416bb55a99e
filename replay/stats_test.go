package replay

import (
	"testing"
	"time"
)

func TestDurStats(t *testing.T) {
	var s durStats
	if m, _ := s.median(); m != 0 || s.summary().Count != 0 {
		t.Fatal("empty")
	}
	for _, d := range []time.Duration{5, 1, 3, 9} {
		s.add(d * time.Minute)
	}
	if m, approx := s.median(); m != 4*time.Minute || approx {
		t.Fatalf("median %v %v", m, approx)
	}
	s.add(2 * time.Minute)
	if m, _ := s.median(); m != 3*time.Minute || s.min != time.Minute || s.max != 9*time.Minute {
		t.Fatalf("median %v min %v max %v", m, s.min, s.max)
	}
	// Past exactDurations, memory is buckets and the median approximate.
	var big durStats
	for i := range 100_000 {
		big.add(time.Duration(1+i%1000) * time.Second)
	}
	m, approx := big.median()
	if !approx || big.exact != nil || len(big.buckets) > 400 {
		t.Fatalf("approx %v, %d exact, %d buckets", approx, len(big.exact), len(big.buckets))
	}
	if m < 490*time.Second || m > 510*time.Second {
		t.Fatalf("median %v, want about 500s", m)
	}
	if sm := big.summary(); sm.Count != 100_000 || sm.Min != 1 || sm.Max != 1000 || !sm.Approximate {
		t.Fatalf("summary %+v", sm)
	}
}
