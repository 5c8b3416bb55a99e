package silence

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var silencesDesc = prometheus.NewDesc(
	"alerter_silences",
	"Silences by state.",
	[]string{"state"}, nil,
)

// stateCollector counts the silences by state when scraped, so that the
// gauge follows silences as they start and end without anyone updating it.
// It is the package's only reader of the clock.
type stateCollector struct{ s *Silences }

// Describe implements prometheus.Collector.
func (c stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- silencesDesc }

// Collect implements prometheus.Collector.
func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	counts := map[State]int{StateActive: 0, StatePending: 0, StateExpired: 0}
	for _, e := range c.s.cur.Load().byID {
		counts[e.sil.State(now)]++
	}
	for _, st := range []State{StateActive, StatePending, StateExpired} {
		ch <- prometheus.MustNewConstMetric(silencesDesc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}
