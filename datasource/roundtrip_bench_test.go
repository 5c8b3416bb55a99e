package datasource

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/internal/promtest"
)

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkQueryRoundTrip sends instant queries of one series each to a
// real Prometheus, one after another as a rule group does, and reports
// the CPU time this process (the client) spends per query: `cpu-ns/op`.
// Wall time per op includes Prometheus's work and is not the figure of
// interest. It needs the prometheus binary (skipped without it).
func BenchmarkQueryRoundTrip(b *testing.B) {
	src := promtest.NewSource(b)
	for i := range 100 {
		src.Set("bench_rt", map[string]string{"idx": fmt.Sprint(i), "job": "node", "env": "prod"}, float64(i)/100)
	}
	prom := promtest.Start(b, promtest.Options{Targets: []string{src.Addr()}})
	prom.WaitForSeries(b, `count(bench_rt) == 100`, time.Minute)
	c, err := New(Options{URL: prom.URL(), HTTPConfig: config.DefaultHTTPClientConfig})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var v evaluator.Vector
	queries := make([]string, 100)
	for i := range queries {
		queries[i] = fmt.Sprintf(`bench_rt{idx="%d"}`, i)
	}
	// Warm up the connection and the intern table.
	for _, q := range queries {
		if err := c.Query(ctx, q, time.Now(), &v); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := cpuTime(b)
	for i := 0; b.Loop(); i++ {
		if err := c.Query(ctx, queries[i%len(queries)], time.Now(), &v); err != nil {
			b.Fatal(err)
		}
		if len(v.Samples) != 1 {
			b.Fatalf("%d samples", len(v.Samples))
		}
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}
