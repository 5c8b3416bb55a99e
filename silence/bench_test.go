package silence

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// benchSilences builds n silences of the kinds seen in practice: most pin
// an alert to an instance, some list instances in a regular expression,
// some silence an alert in one environment, and a few use only patterns
// that the index cannot use.
func benchSilences(b *testing.B, n int) *Silences {
	b.Helper()
	s, _ := newTest(b, Options{})
	created := t0.Add(-time.Hour)
	for i := 0; i < n; i++ {
		var m string
		switch {
		case i%50 == 0:
			m = fmt.Sprintf(`{team=~"t%d.*", severity!="info"}`, i%30)
		case i%5 == 0:
			m = fmt.Sprintf(`{severity="warning", instance=~"host-%d:9100|host-%d:9100"}`, i*7, i*7+1)
		case i%7 == 0:
			m = fmt.Sprintf(`{alertname="A%d", env="prod"}`, i%100)
		default:
			m = fmt.Sprintf(`{alertname="A%d", instance="host-%d:9100"}`, i%100, i*10)
		}
		mustSet(b, s, sil(b, m, created, t0.Add(time.Hour)), created)
	}
	return s
}

func benchLabelSets(n int) []model.LabelSet {
	out := make([]model.LabelSet, n)
	for k := range out {
		out[k] = model.LabelSet{
			"alertname": model.LabelValue(fmt.Sprintf("A%d", k%100)),
			"instance":  model.LabelValue(fmt.Sprintf("host-%d:9100", k)),
			"job":       model.LabelValue(fmt.Sprintf("j%d", k%20)),
			"severity":  []model.LabelValue{"warning", "critical", "info"}[k%3],
			"env":       []model.LabelValue{"prod", "dev"}[k%2],
			"team":      model.LabelValue(fmt.Sprintf("t%d", k%30)),
		}
	}
	return out
}

// BenchmarkMutes asks about 10,000 distinct alerts against 1,000 silences.
func BenchmarkMutes(b *testing.B) {
	s := benchSilences(b, 1000)
	sets := benchLabelSets(10000)
	muted := 0
	for _, ls := range sets {
		if s.Mutes(ls, t0) {
			muted++
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Mutes(sets[i%len(sets)], t0)
	}
	b.ReportMetric(float64(muted)/float64(len(sets)), "muted-fraction")
}

// BenchmarkMutesWithWindows adds maintenance windows to BenchmarkMutes.
func BenchmarkMutesWithWindows(b *testing.B) {
	s := benchSilences(b, 1000)
	var ws []Window
	for i := 0; i < 10; i++ {
		ws = append(ws, Window{Name: fmt.Sprintf("w%d", i), Schedule: fmt.Sprintf("0 %d * * *", i), Duration: model.Duration(30 * time.Minute),
			TimeZone: "Europe/Berlin", Matchers: ms(b, fmt.Sprintf(`{job="j%d"}`, i))})
	}
	if err := s.SetWindows(ws); err != nil {
		b.Fatal(err)
	}
	sets := benchLabelSets(10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Mutes(sets[i%len(sets)], t0)
	}
}

// BenchmarkMutedBy is the API's "silenced by" column for the same alerts.
func BenchmarkMutedBy(b *testing.B) {
	s := benchSilences(b, 1000)
	sets := benchLabelSets(10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.MutedBy(sets[i%len(sets)], t0)
	}
}

// BenchmarkSet measures a change, which rebuilds the index, with 1,000
// silences stored.
func BenchmarkSet(b *testing.B) {
	s := benchSilences(b, 1000)
	in := sil(b, `{alertname="X", instance="y"}`, t0, t0.Add(time.Hour))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Set(b.Context(), in, t0); err != nil {
			b.Fatal(err)
		}
	}
}
