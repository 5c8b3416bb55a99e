package replay

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/rules"
)

// fakeSource answers range and instant queries from functions of time;
// unit tests only (integration tests read a real Prometheus).
type fakeSource struct {
	mu      sync.Mutex
	series  map[string]func(t time.Time) []*model.Sample
	ranges  int
	instant int
	maxN    int
}

func (f *fakeSource) eval(q string, t time.Time) ([]*model.Sample, error) {
	fn, ok := f.series[q]
	if !ok {
		return nil, fmt.Errorf("fake: unknown query %q", q)
	}
	return fn(t), nil
}

func (f *fakeSource) QueryRange(_ context.Context, q string, start, end time.Time, step time.Duration) (model.Matrix, error) {
	f.mu.Lock()
	f.ranges++
	n := int(end.Sub(start)/step) + 1
	f.maxN = max(f.maxN, n)
	f.mu.Unlock()
	byFP := map[model.Fingerprint]*model.SampleStream{}
	var out model.Matrix
	for t := start; !t.After(end); t = t.Add(step) {
		ss, err := f.eval(q, t)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			fp := s.Metric.Fingerprint()
			st := byFP[fp]
			if st == nil {
				st = &model.SampleStream{Metric: s.Metric}
				byFP[fp] = st
				out = append(out, st)
			}
			st.Values = append(st.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: s.Value})
		}
	}
	return out, nil
}

func (f *fakeSource) Query(_ context.Context, q string, ts time.Time, into *evaluator.Vector) error {
	f.mu.Lock()
	f.instant++
	f.mu.Unlock()
	into.Reset()
	ss, err := f.eval(q, ts)
	for _, s := range ss {
		into.AppendMetric(s.Metric, float64(s.Value))
	}
	return err
}

var t0 = time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)

// above returns a series present (value 10, else nothing) during the
// given minute ranges [a, b) after t0.
func above(metric model.Metric, ranges ...[2]int) func(time.Time) []*model.Sample {
	return func(t time.Time) []*model.Sample {
		m := int(t.Sub(t0) / time.Minute)
		for _, r := range ranges {
			if m >= r[0] && m < r[1] && t.Sub(t0)%time.Minute == 0 {
				return []*model.Sample{{Metric: metric, Value: 10}}
			}
		}
		return nil
	}
}

func parseSet(t testing.TB, name, text string) RuleSet {
	t.Helper()
	groups, _, err := rules.Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return RuleSet{Name: name, Set: &rules.Set{Files: []string{name}, Groups: groups}}
}

const rulesA = `
groups:
  - name: g
    interval: 1m
    rules:
      - alert: High
        expr: x > 5
        for: 2m
      - alert: Never
        expr: nothing > 0
`

const rulesB = `
groups:
  - name: g
    interval: 1m
    rules:
      - alert: High
        expr: x > 5
        keep_firing_for: 5m
`

// TestReplayFigures replays a designed history: an incident of 30
// minutes, a blip too short to fire, a flap; then the same history
// through a second version, in small chunks.
func TestReplayFigures(t *testing.T) {
	src := &fakeSource{series: map[string]func(time.Time) []*model.Sample{
		"x > 5":       above(model.Metric{"__name__": "x", "job": "a"}, [2]int{10, 40}, [2]int{50, 52}, [2]int{60, 63}),
		"nothing > 0": func(time.Time) []*model.Sample { return nil },
	}}
	src.series["x"] = func(tt time.Time) []*model.Sample {
		if s := src.series["x > 5"](tt); s != nil {
			return s
		}
		return []*model.Sample{{Metric: model.Metric{"__name__": "x", "job": "a"}, Value: 1}}
	}
	cfg, err := config.Parse([]byte(`
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
receivers:
  - name: team
    webhook_configs: [{url: "https://hooks.example.com/a"}, {url: "https://hooks.example.com/b"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	var csvOut, svg bytes.Buffer
	var progress []time.Duration
	rep, err := Run(context.Background(), []RuleSet{parseSet(t, "a.yml", rulesA), parseSet(t, "b.yml", rulesB)}, Options{
		Source: src, From: t0, To: t0.Add(2 * time.Hour), Step: time.Minute,
		Config: cfg, Notify: true, ChunkPoints: 7,
		Timeline: &csvOut, Plot: &PlotOptions{Rule: "g/High", Out: &svg},
		Progress: func(done, total time.Duration) { progress = append(progress, done) },
	})
	if err != nil {
		t.Fatal(err)
	}
	a := rep.Runs[0].Rules[0]
	want := Stats{Pending: 3, Fired: 2, Resolved: 2, Flaps: 1,
		TimeToFire:      Durations{Count: 2, Min: 120, Median: 120, Max: 120},
		EpisodeDuration: Durations{Count: 2, Min: 60, Median: 870, Max: 1680},
		FiringSeconds:   29 * 60, FiringShare: 29.0 / 120}
	if a.Stats != want || a.Evaluations != 121 || a.NoData || a.Errors != 0 {
		t.Errorf("version a:\n got %+v (evaluations %d)\nwant %+v", a.Stats, a.Evaluations, want)
	}
	// 12m30s firing, 42m30s resolved, 62m30s firing, 67m30s resolved; two
	// integrations of one receiver count once.
	if len(a.Notifications) != 1 || a.Notifications[0] != (Count{"team", 4}) || rep.Runs[0].Totals.Notifications != 4 {
		t.Errorf("notifications %+v, totals %+v", a.Notifications, rep.Runs[0].Totals)
	}
	if len(a.Alerts) != 1 || a.Alerts[0].Labels["job"] != "a" || a.Alerts[0].Fired != 2 || a.Alerts[0].Notifications != 4 {
		t.Errorf("alerts %+v", a.Alerts)
	}
	if never := rep.Runs[0].Rules[1]; !never.NoData || never.Fired != 0 || len(never.Alerts) != 0 {
		t.Errorf("rule without data: %+v", never)
	}
	// for: 0 and keep_firing_for: 5m: the blip fires too, and nothing
	// flaps: episodes of 35m (10m-45m), 7m (50m-57m) and 8m (60m-68m).
	// The blip's alert firing again at 60m, before its group's next tick,
	// is no news to the receiver: still 4 notifications.
	b := rep.Runs[1].Rules[0]
	wantB := Durations{Count: 3, Min: 7 * 60, Median: 8 * 60, Max: 35 * 60}
	if b.Pending != 3 || b.Fired != 3 || b.Resolved != 3 || b.Flaps != 0 || b.EpisodeDuration != wantB || rep.Runs[1].Totals.Notifications != 4 {
		t.Errorf("version b: %+v, %d notifications", b.Stats, rep.Runs[1].Totals.Notifications)
	}
	if len(rep.Comparison) != 2 || rep.Comparison[0].A != a || rep.Comparison[0].B != b || rep.Comparison[1].B != nil {
		t.Errorf("comparison %+v", rep.Comparison)
	}
	if src.maxN > 7 || src.instant != 0 {
		t.Errorf("range queries of up to %d points (want 7), %d instant queries", src.maxN, src.instant)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 2*time.Hour {
		t.Errorf("progress %v", progress)
	}

	rows, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, r := range rows[1:] {
		if r[0] == "a.yml" {
			events = append(events, strings.TrimPrefix(r[1], "2030-05-01T")+" "+r[5])
		}
	}
	wantEvents := "00:10:00Z pending|00:12:00Z firing|00:40:00Z resolved|00:50:00Z pending|00:52:00Z pending_cancelled|01:00:00Z pending|01:02:00Z firing|01:03:00Z resolved"
	if strings.Join(events, "|") != wantEvents || strings.Join(rows[0], ",") != "run,time,group,alert,labels,event,value" || rows[1][4] != `{job="a"}` {
		t.Errorf("timeline:\n%s\nwant %s", strings.Join(events, "|"), wantEvents)
	}
	s := svg.String()
	if !strings.HasPrefix(s, "<svg") || !strings.Contains(s, "g/High: x") || !strings.Contains(s, `&gt; 5`) || !strings.Contains(s, `fill="#d62728" fill-opacity`) {
		t.Errorf("plot:\n%s", s)
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Runs[0].Rules[0].Flaps != 1 || back.Version != ReportVersion {
		t.Fatalf("JSON round trip: %v %+v", err, back.Runs)
	}
	var tbl bytes.Buffer
	if err := WriteTable(&tbl, rep); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"g/High", "2 → 3", "1 → 0", "4 → 4", "14m30s → 8m", "g/Never (only before)", "its query returned nothing"} {
		if !strings.Contains(tbl.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, tbl.String())
		}
	}
}

// TestReplayChunkingDoesNotChangeFigures: the same history in chunks of
// any size gives the same report, with each group on its own interval
// (and schedule offset).
func TestReplayChunkingDoesNotChangeFigures(t *testing.T) {
	src := &fakeSource{series: map[string]func(time.Time) []*model.Sample{
		"x > 5": func(tt time.Time) []*model.Sample {
			// On for 3 of every 7 minutes, whatever the offset.
			if (tt.Unix()/60)%7 < 3 {
				return []*model.Sample{{Metric: model.Metric{"i": "1"}, Value: 1}}
			}
			return nil
		},
		"nothing > 0": func(time.Time) []*model.Sample { return nil },
	}}
	var reports []string
	for _, cp := range []int{1, 13, 720} {
		rep, err := Run(context.Background(), []RuleSet{parseSet(t, "a.yml", rulesA)}, Options{
			Source: src, From: t0, To: t0.Add(6 * time.Hour), ChunkPoints: cp,
		})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rep.Runs)
		reports = append(reports, string(b))
	}
	if reports[0] != reports[1] || reports[1] != reports[2] {
		t.Fatalf("reports differ by chunk size:\n%s\n%s\n%s", reports[0], reports[1], reports[2])
	}
}

func TestReplayErrors(t *testing.T) {
	src := &fakeSource{series: map[string]func(time.Time) []*model.Sample{}}
	set := parseSet(t, "a.yml", rulesA)
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"empty range", Options{Source: src, From: t0, To: t0}, "must be after --from"},
		{"chunk too big", Options{Source: src, From: t0, To: t0.Add(time.Hour), ChunkPoints: 20000}, "at most 11000"},
		{"source fails", Options{Source: src, From: t0, To: t0.Add(time.Hour)}, `reading history for g/High (x > 5) from 2030-05-01T00:`},
		{"no such plot", Options{Source: src, From: t0, To: t0.Add(time.Hour), Plot: &PlotOptions{Rule: "Nope"}}, `--plot: no alerting rule "Nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), []RuleSet{set}, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
