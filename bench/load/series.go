package load

import (
	"fmt"
	"strconv"

	"github.com/alerter/alerter/internal/promtest"
)

// The synthetic metrics the source exposes.
const (
	// LoadMetric is the scale and shared scenarios' series. Series i has
	// the labels idx=i, s10=i/10, s100=i/100 and s1000=i/1000, so a rule
	// selects a slice of 1, 10, 100 or 1000 series with one equality
	// matcher, and value (i mod 1000)/1000, in [0, 1).
	LoadMetric = "bench_load"
	// StormMetric is the storm scenario's series: labels shard and idx,
	// value 0 until the storm sets them all to 1.
	StormMetric = "bench_storm"
)

// shardSizes are the slice sizes LoadMetric's labels can select.
var shardSizes = []int{1, 10, 100, 1000}

// shardLabel names the label whose values select per series at a time.
func shardLabel(per int) (string, error) {
	switch per {
	case 1:
		return "idx", nil
	case 10, 100, 1000:
		return "s" + strconv.Itoa(per), nil
	}
	return "", fmt.Errorf("%d series per rule: must be one of %v", per, shardSizes)
}

// loadGauges returns the n series of LoadMetric.
func loadGauges(n int) []promtest.Gauge {
	out := make([]promtest.Gauge, n)
	for i := range out {
		out[i] = promtest.Gauge{
			Name: LoadMetric,
			Labels: map[string]string{
				"idx":   strconv.Itoa(i),
				"s10":   strconv.Itoa(i / 10),
				"s100":  strconv.Itoa(i / 100),
				"s1000": strconv.Itoa(i / 1000),
			},
			Value: float64(i%1000) / 1000,
		}
	}
	return out
}

// stormGauges returns the n series of StormMetric spread over shards
// shards, all with value v.
func stormGauges(n, shards int, v float64) []promtest.Gauge {
	out := make([]promtest.Gauge, n)
	for i := range out {
		out[i] = promtest.Gauge{
			Name: StormMetric,
			Labels: map[string]string{
				"shard": strconv.Itoa(i % shards),
				"idx":   strconv.Itoa(i),
			},
			Value: v,
		}
	}
	return out
}
