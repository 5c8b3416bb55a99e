package notifiers

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/state/sqlite"
)

// BenchmarkDispatcherMemoryPerAlert reports the heap the dispatcher holds
// per firing alert: 10,000 alerts as decoded from the event outbox, in
// groups of 100 (group_by instance), each with 6 labels and 2
// annotations.
func BenchmarkDispatcherMemoryPerAlert(b *testing.B) {
	const n = 10000
	st, err := sqlite.Open(sqlite.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rc := &route.Config{Receiver: "team", GroupBy: []string{"alertname", "instance"}}
	r, err := route.New(rc)
	if err != nil {
		b.Fatal(err)
	}
	mk := func() []*alert.Alert {
		out := make([]*alert.Alert, n)
		now := time.Now()
		for i := range out {
			// Fresh strings for every alert, as JSON decoding makes them.
			ls := model.LabelSet{
				"alertname": model.LabelValue(fmt.Sprintf("HighLatency%s", "")),
				"instance":  model.LabelValue(fmt.Sprintf("host-%03d:9100", i/100)),
				"job":       model.LabelValue(fmt.Sprintf("node%s", "")),
				"env":       model.LabelValue(fmt.Sprintf("prod%s", "")),
				"path":      model.LabelValue(fmt.Sprintf("/api/v1/item/%d", i)),
				"severity":  model.LabelValue(fmt.Sprintf("warning%s", "")),
			}
			out[i] = &alert.Alert{Key: alert.Key{RuleID: fmt.Sprintf("rules.yml;g;HighLatency%s", ""), ID: ls.Fingerprint()},
				Labels: ls, State: alert.StateFiring, Value: 1, FiredAt: now, ActiveAt: now,
				Annotations: model.LabelSet{
					"summary":     model.LabelValue(fmt.Sprintf("Latency above 500ms%s", "")),
					"runbook_url": model.LabelValue(fmt.Sprintf("https://runbooks.example.com/latency%s", "")),
				},
				GeneratorURL: fmt.Sprintf("http://prometheus:9090/graph?g0.expr=latency%%3E0.5%s", "")}
		}
		return out
	}
	var perAlert float64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		alerts := mk() // the dispatcher's copies: it keeps them
		d, err := NewDispatcher(DispatcherOptions{Route: r, Events: newFakeEvents(), Store: st,
			Consume: newFakeEvents().consume, Receivers: map[string][]ReceiverIntegration{"team": nil}})
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		for _, a := range alerts {
			d.ingest(a, false, now)
		}
		alerts = nil
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		perAlert = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(d)
	}
	b.ReportMetric(perAlert, "B/alert")
}
