package replay

import (
	"math"
	"slices"
	"time"
)

// exactDurations is how many durations a rule's durStats keeps exactly
// (alertExactDurations for an alert's); beyond it, they go into
// logarithmic buckets (about 2% wide) and the median is approximate.
// Memory stays bounded however many episodes there are.
const (
	exactDurations      = 4096
	alertExactDurations = 256
)

// bucketsPerDoubling sets the buckets' width: 2^(1/32) apart.
const bucketsPerDoubling = 32

// durStats summarises durations: count, min, max and median.
type durStats struct {
	// limit is how many durations are kept exactly (exactDurations when
	// zero).
	limit    int
	n        int
	min, max time.Duration
	exact    []time.Duration
	buckets  map[int]int // when more than exactDurations were added
}

func (s *durStats) add(d time.Duration) {
	if s.n == 0 || d < s.min {
		s.min = d
	}
	if s.n == 0 || d > s.max {
		s.max = d
	}
	s.n++
	limit := s.limit
	if limit == 0 {
		limit = exactDurations
	}
	if s.buckets == nil && len(s.exact) < limit {
		s.exact = append(s.exact, d)
		return
	}
	if s.buckets == nil {
		s.buckets = map[int]int{}
		for _, e := range s.exact {
			s.buckets[bucketOf(e)]++
		}
		s.exact = nil
	}
	s.buckets[bucketOf(d)]++
}

// bucketOf maps a duration to its logarithmic bucket (durations under a
// millisecond share bucket 0).
func bucketOf(d time.Duration) int {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 1 {
		return 0
	}
	return 1 + int(math.Floor(math.Log2(ms)*bucketsPerDoubling))
}

// bucketMid is the geometric middle of a bucket.
func bucketMid(b int) time.Duration {
	if b == 0 {
		return 0
	}
	lo := math.Exp2(float64(b-1) / bucketsPerDoubling)
	hi := math.Exp2(float64(b) / bucketsPerDoubling)
	return time.Duration(math.Sqrt(lo*hi) * float64(time.Millisecond))
}

// median returns the median (the mean of the two middle values for an
// even count) and whether it is approximate.
func (s *durStats) median() (time.Duration, bool) {
	if s.n == 0 {
		return 0, false
	}
	if s.buckets == nil {
		v := slices.Clone(s.exact)
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2], false
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2, false
	}
	keys := make([]int, 0, len(s.buckets))
	for k := range s.buckets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	half, seen := (s.n+1)/2, 0
	for _, k := range keys {
		seen += s.buckets[k]
		if seen >= half {
			return min(max(bucketMid(k), s.min), s.max), true
		}
	}
	return s.max, true
}

// Durations is a summary of durations in a report, in seconds.
type Durations struct {
	Count  int     `json:"count"`
	Min    float64 `json:"min_seconds"`
	Median float64 `json:"median_seconds"`
	Max    float64 `json:"max_seconds"`
	// Approximate: the median comes from buckets about 2% wide, because
	// there were more durations than are kept exactly (4096 for a rule,
	// 256 for an alert).
	Approximate bool `json:"approximate,omitempty"`
}

func (s *durStats) summary() Durations {
	med, approx := s.median()
	return Durations{Count: s.n, Min: s.min.Seconds(), Median: med.Seconds(), Max: s.max.Seconds(), Approximate: approx}
}
