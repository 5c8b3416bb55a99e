package integration

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/alerter/alerter/datasource"
	"github.com/alerter/alerter/internal/promtest"
	"github.com/alerter/alerter/replay"
	"github.com/alerter/alerter/rules"
)

// BenchmarkReplayRealPrometheus replays 7 days of 100 series at a
// one-minute step from a real Prometheus, whose TSDB promtool filled with
// the history beforehand (not timed): 10,081 evaluations of a rule over
// the 100 series, read through query_range in chunks of 720 points.
func BenchmarkReplayRealPrometheus(b *testing.B) {
	tool, err := exec.LookPath("promtool")
	if err != nil {
		b.Skip("promtool not found")
	}
	const series, days = 100, 7
	dir := b.TempDir()
	end := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	start := end.Add(-days * 24 * time.Hour)
	om := filepath.Join(dir, "history.om")
	f, err := os.Create(om)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# TYPE bench_errors_ratio gauge")
	for i := range series {
		period, on := int64(20+i%17), int64(2+i%9)
		for t := start; !t.After(end); t = t.Add(time.Minute) {
			v := 0.01
			if (t.Unix()/60+int64(i))%period < on {
				v = 0.2
			}
			fmt.Fprintf(w, "bench_errors_ratio{instance=\"host-%03d\"} %g %d\n", i, v, t.Unix())
		}
	}
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	data := filepath.Join(dir, "data")
	if out, err := exec.Command(tool, "tsdb", "create-blocks-from", "openmetrics", om, data).CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	p := promtest.Start(b, promtest.Options{DataDir: data})
	p.WaitForSeries(b, fmt.Sprintf("bench_errors_ratio @ %d", start.Add(time.Hour).Unix()), 60*time.Second)
	groups, _, err := rules.Parse("bench.yml", []byte(`groups:
  - name: bench
    interval: 1m
    rules:
      - alert: ErrorsHigh
        expr: bench_errors_ratio > 0.1
        for: 3m
`))
	if err != nil {
		b.Fatal(err)
	}
	client, err := datasource.New(datasource.Options{URL: p.URL(), Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	set := []replay.RuleSet{{Name: "bench.yml", Set: &rules.Set{Files: []string{"bench.yml"}, Groups: groups}}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep, err := replay.Run(context.Background(), set, replay.Options{Source: client, From: start, To: end, Step: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		if r := rep.Runs[0].Rules[0]; r.Evaluations != days*24*60+1 || r.Fired == 0 {
			b.Fatalf("evaluations %d, fired %d", r.Evaluations, r.Fired)
		}
	}
}
