package evaluator

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkActiveAlertMemory reports what one active (firing) alert costs
// in the evaluator's heap, in steady state: the alert, its labels, the
// rule's per-series cache, the query result buffer reused every
// evaluation and the evaluation scratch. The series' label values are
// shared between series as the datasource's intern table shares them
// (job, env, __name__), except instance, unique per series.
func BenchmarkActiveAlertMemory(b *testing.B) {
	for _, tc := range []struct{ name, annotations string }{
		{"static-annotations", `annotations: {summary: "CPU busy"}`},
		{"templated-annotations", `annotations: {summary: "{{ $labels.instance }} is busy"}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const n = 10000
			text := `groups:
- name: g
  rules:
  - alert: CPUBusy
    query: node_cpu_busy > 0.9
    labels: {severity: warning}
    ` + tc.annotations + "\n"
			var perAlert, resultBuf float64
			for b.Loop() {
				perAlert, resultBuf = measureAlerts(b, text, n)
			}
			b.ReportMetric(perAlert, "B/alert")
			b.ReportMetric(resultBuf, "B/alert-result-buffer")
		})
	}
}

// measureAlerts builds n firing alerts and returns the heap bytes per
// alert, in all and for the query result buffer alone.
func measureAlerts(b *testing.B, text string, n int) (perAlert, resultBuf float64) {
	b.Helper()
	before := heapInUse()
	rt := ruleOf(b, text)
	v := &Vector{}
	for i := range n {
		v.Append([]Label{
			{Name: "__name__", Value: "node_cpu_busy"},
			{Name: "env", Value: "prod"},
			{Name: "instance", Value: "host-" + strconv.Itoa(i) + ":9100"},
			{Name: "job", Value: "node"},
		}, 0.95)
	}
	withVector := heapInUse()
	ctx := context.Background()
	for i := range 3 {
		if _, err := rt.evaluate(ctx, v, t0.Add(time.Duration(i)*time.Minute), nil); err != nil {
			b.Fatal(err)
		}
	}
	after := heapInUse()
	if len(rt.states) != n {
		b.Fatalf("%d alerts, want %d", len(rt.states), n)
	}
	runtime.KeepAlive(rt)
	runtime.KeepAlive(v)
	return float64(after-before) / float64(n), float64(withVector-before) / float64(n)
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
