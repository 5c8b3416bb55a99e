package replay

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// manySeries is a source of n series, each above 5 for a stretch of
// minutes whose length and period depend on the series: many episodes,
// some of them flaps, over any range.
func manySeries(n int) *fakeSource {
	metrics := make([]model.Metric, n)
	for i := range metrics {
		metrics[i] = model.Metric{"__name__": "x", "instance": model.LabelValue(fmt.Sprintf("host-%03d", i))}
	}
	f := func(t time.Time) []*model.Sample {
		m := t.Unix() / 60
		out := make([]*model.Sample, 0, n)
		for i, mt := range metrics {
			period := int64(20 + i%17)
			on := int64(2 + i%9)
			if (m+int64(i))%period < on {
				out = append(out, &model.Sample{Metric: mt, Value: 10})
			}
		}
		return out
	}
	return &fakeSource{series: map[string]func(time.Time) []*model.Sample{"x > 5": f, "nothing > 0": f}}
}

// peakHeap replays days of history and returns the largest live heap seen
// after a chunk (after a GC), and the report.
func peakHeap(t testing.TB, src *fakeSource, days int) (uint64, *Report) {
	var peak uint64
	rep, err := Run(context.Background(), []RuleSet{parseSet(t, "a.yml", rulesA)}, Options{
		Source: src, From: t0, To: t0.Add(time.Duration(days) * 24 * time.Hour), Step: time.Minute,
		afterChunk: func() {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return peak, rep
}

// TestReplayMemoryDoesNotGrowWithRange replays 2 days and 12 days of the
// same kind of history: the live heap after each chunk stays the same,
// while the number of episodes grows sixfold.
func TestReplayMemoryDoesNotGrowWithRange(t *testing.T) {
	if testing.Short() {
		t.Skip("replays two weeks of history")
	}
	src := manySeries(40)
	short, repShort := peakHeap(t, src, 2)
	long, repLong := peakHeap(t, src, 12)
	fs, fl := repShort.Runs[0].Totals.Fired, repLong.Runs[0].Totals.Fired
	if fl < 5*fs {
		t.Fatalf("episodes: %d over 2 days, %d over 12", fs, fl)
	}
	t.Logf("peak live heap: %.1f MB over 2 days (%d episodes), %.1f MB over 12 days (%d episodes)",
		float64(short)/1e6, fs, float64(long)/1e6, fl)
	if long > short+short/2+4<<20 {
		t.Errorf("the live heap grew with the range: %d bytes over 2 days, %d over 12", short, long)
	}
}

// BenchmarkReplay7Days100Series replays 7 days of 100 series at a
// one-minute step (10,081 evaluations of two rules, one over every
// series) from an in-process source: replay's own cost, without
// Prometheus. The live-heap peak after each chunk is reported too.
func BenchmarkReplay7Days100Series(b *testing.B) {
	src := manySeries(100)
	b.ReportAllocs()
	for b.Loop() {
		peak, rep := peakHeap(b, src, 7)
		if rep.Runs[0].Totals.Fired == 0 {
			b.Fatal("nothing fired")
		}
		b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	}
}
