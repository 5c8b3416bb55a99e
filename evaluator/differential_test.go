package evaluator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/internal/promtest"
	"github.com/alerter/alerter/rules"
)

// promQuerier sends instant queries to a real Prometheus and reads the
// answers with encoding/json: a plain reading of the API, the same for
// both sides of the differential tests (package datasource cannot be
// imported here: it imports this package).
type promQuerier struct {
	url   string
	mu    chan struct{}
	calls int
}

func newPromQuerier(u string) *promQuerier {
	return &promQuerier{url: u, mu: make(chan struct{}, 1)}
}

func (p *promQuerier) count() int {
	p.mu <- struct{}{}
	defer func() { <-p.mu }()
	return p.calls
}

func (p *promQuerier) Query(ctx context.Context, query string, ts time.Time, into *Vector) error {
	into.Reset()
	p.mu <- struct{}{}
	p.calls++
	<-p.mu
	form := url.Values{"query": {query}, "time": {strconv.FormatFloat(float64(ts.UnixNano())/1e9, 'f', -1, 64)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/api/v1/query", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Status, ErrorType, Error string
		Data                     struct {
			ResultType string
			Result     json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	if r.Status != "success" {
		return fmt.Errorf("%s: %s", r.ErrorType, r.Error)
	}
	switch r.Data.ResultType {
	case "vector":
		var v model.Vector
		if err := json.Unmarshal(r.Data.Result, &v); err != nil {
			return err
		}
		for _, s := range v {
			into.AppendMetric(s.Metric, float64(s.Value))
		}
	case "scalar":
		var s model.Scalar
		if err := json.Unmarshal(r.Data.Result, &s); err != nil {
			return err
		}
		into.Append(nil, float64(s.Value))
	default:
		return fmt.Errorf("result of type %s, not a vector", r.Data.ResultType)
	}
	return nil
}

// diffStages are the values the differential tests' series go through;
// the tests evaluate once per stage. d_b shares d_a's labels (but not its
// name) so that a union by `or` without a marker would drop it.
var diffStages = []map[string]float64{
	{"p": 0.9, "d": 0.4, "n": 2, "i": math.Inf(1), "m": -1, "z": 0},
	{"p": 0.7, "d": 0.95, "n": math.NaN(), "i": 0.6, "m": math.Inf(-1), "z": 0},
	{"p": math.NaN(), "d": 0.6, "n": 0.55, "i": math.NaN(), "m": 1, "z": 1},
	{"p": 0.3, "d": math.NaN(), "n": 0.95, "i": 0.85, "m": 0.5, "z": 1},
	{"p": 0.95, "d": 0.2, "n": 0.7, "i": 0.1, "m": 2, "z": 0},
}

// diffSeries are the gauges of one stage: for each key k of the stage,
// series of d_a and d_b with that value, across label sets.
func diffSeries(stage int) []promtest.Gauge {
	labelSets := []map[string]string{
		{"env": "prod", "job": "api"},
		{"env": "dev", "job": "api"},
		{"job": "web"},                                          // env missing
		{"env": "prod", "job": "db", "path": `/a "quoted" \ é`}, // escapes
	}
	var out []promtest.Gauge
	for k, v := range diffStages[stage] {
		for i, ls := range labelSets {
			l := map[string]string{"k": k}
			for n, x := range ls {
				l[n] = x
			}
			// Each label set gets its own value near the stage's.
			val := v
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				val = v + float64(i)*0.01
			}
			out = append(out, promtest.Gauge{Name: "d_a", Labels: l, Value: val})
			out = append(out, promtest.Gauge{Name: "d_b", Labels: l, Value: -val})
		}
	}
	out = append(out, promtest.Gauge{Name: "d_stage", Labels: map[string]string{}, Value: float64(stage)})
	return out
}

// diffRules are the rules both evaluators run: tricky queries batched
// together, conditions to push down, hysteresis, severities, a limit.
const diffRules = `groups:
- name: tricky
  rules:
  - {alert: Sel, expr: 'd_a{k="p"}'}
  - {alert: TwoNames, expr: '{__name__=~"d_a|d_b", k="d"}'}
  - {alert: TwoNamesAgain, expr: '{__name__=~"d_b|d_a",k="d"}'}
  - {alert: NameDropped, expr: 'abs(d_a{k="n"})'}
  - {alert: Agg, expr: 'sum by (env) (d_a)'}
  - {alert: Count, expr: 'count_values("v", d_a{k="z"})'}
  - {alert: Filter, expr: 'd_a > 0.5'}
  - {alert: FilterBool, expr: 'd_a{k="m"} > bool 0.5'}
  - {alert: Scalar, expr: 'scalar(sum(d_a{k="p", env="prod", job="api"}))'}
  - {alert: Literal, expr: '1'}
  - {alert: ScalarNaN, expr: 'scalar(d_a{k="none"})'}
  - {alert: Offset, expr: 'd_a{k="i"} offset 1s'}
  - {alert: At, expr: 'd_stage @ end()'}
  - {alert: Replace, expr: 'label_replace(d_a{k="m"}, "copy", "$1", "env", "(.*)")'}
  - {alert: Sorted, expr: 'sort_desc(d_a{k="n"})'}
  - {alert: TopK, expr: 'topk(2, d_a)'}
  - {alert: Absent, expr: 'absent(nothing{job="x"})'}
  - {alert: Vec, expr: 'vector(1)'}
  - {alert: Comment, expr: "d_a{k=\"z\"} # trailing comment"}
  - {alert: Fails, expr: 'd_a{k="p"} + on() d_a{k="p"}'}
  - {alert: FailsDup, expr: '{__name__=~"d_a|d_b", k="z"} * 2'}
  - {alert: String, expr: '"text"'}
  - {alert: Matrix, expr: 'd_a[1m]'}
  - {alert: DupAlerts, expr: '{__name__=~"d_a|d_b", k="m", job="web"}'}
  - alert: Templated
    expr: 'd_a{k="d"}'
    labels: {level: '{{ if gt $value 0.5 }}high{{ else }}low{{ end }}'}
    annotations: {summary: '{{ $labels.__name__ }} {{ $labels.path }} at {{ $value }}'}
- name: pushdown
  rules:
  - {alert: Gt, query: 'd_a{k!="r1"}', condition: 'value > 0.5'}
  - {alert: Range, query: 'd_a{k!="r2"}', condition: 'value >= 0.6 && value < 0.95'}
  - {alert: Eq, query: 'd_a{k="z"}', condition: 'value == 1'}
  - {alert: LitLeft, query: 'd_b', condition: '-0.5 > value'}
  - {alert: Label, query: 'd_a{k!="r3"}', condition: 'value > 0 && labels.env == "prod"'}
  - {alert: NotLabel, query: 'd_a{k!="r4"}', condition: 'labels.env != "dev" and labels.env != "prod" and value < 1'}
  - {alert: Missing, query: 'd_a{k!="r5"}', condition: 'labels.env == "" && value > 0.1'}
  - {alert: Quoted, query: 'd_a{k!="r6"}', condition: 'labels.path == "/a \"quoted\" \\ é"'}
  - {alert: NegNaN, query: 'd_a{k!="r7"}', condition: '!(value <= 0.5)'}
  - {alert: Never, query: 'd_a{k!="r8"}', condition: 'false'}
  - {alert: KeepsName, query: '{__name__=~"d_a|d_b", k="i"}', condition: 'value > 0.5 || value < -0.5', annotations: {n: '{{ $labels.__name__ }}'}}
  - alert: Hyst
    query: 'd_a{k="p"}'
    condition: 'value > 0.8'
    resolve: 'value < 0.5'
  - alert: HystLabel
    query: 'd_a{k!="r9"}'
    condition: 'value > 0.8 && labels.job == "api"'
    resolve: 'value < 0.5 || labels.job != "api"'
  - alert: Sev
    query: 'd_a{k!="r10"}'
    condition: 'value > 0.5'
    severities:
    - {severity: critical, condition: 'value > 0.9'}
    - {severity: warning, condition: 'value > 0.65'}
    resolve: 'value < 0.3'
  - alert: SevNoResolve
    query: 'd_a{k="n"}'
    severities:
    - {severity: critical, condition: 'value > 0.9'}
    - {severity: warning, condition: 'value > 0.65 && labels.env == "prod"'}
  - {alert: Keep, query: 'd_a{k!="r11"}', condition: 'value > 0.9', keep_firing_for: 1h}
  - {alert: For, query: 'd_a{k!="r12"}', condition: 'value > 0.5', for: 2s}
  - alert: TemplatedPushed
    query: 'd_a{k!="r13"}'
    condition: 'value > 0.6 && labels.job == "api"'
    labels: {level: '{{ if gt $value 0.9 }}high{{ else }}low{{ end }}'}
    annotations: {summary: '{{ $labels.__name__ }} at {{ $value }}'}
  - {alert: Shared1, query: 'd_a{k="d"}', condition: 'value > 0.9'}
  - {alert: Shared2, query: 'd_a{ k="d" }', condition: 'value > 0.5 && labels.job == "api"'}
  - {alert: SharedRaw, query: 'd_a{k="d", job!="x"}'}
- name: offset
  query_offset: 1s
  rules:
  - {alert: OffA, query: 'd_a{k="n"}', condition: 'value > 0.6'}
  - {alert: OffB, expr: 'd_stage'}
- name: limited
  limit: 3
  rules:
  - {alert: Lim, query: 'd_a', condition: 'value > 0.5'}
  - {alert: LimOK, query: 'd_a{k="z"}', condition: 'value > 0.5'}
`

// TestBatchingAndPushdownMatchOneQueryPerRule is the differential test of
// query batching and condition pushdown on a real Prometheus: the same
// rules, evaluated at the same times over the same data by an evaluator
// that batches and pushes down and by one that sends every rule's query as
// written, give identical rule health, errors and alerts (labels, value,
// state, annotations), and every batched part and pushed query answers
// what it must.
func TestBatchingAndPushdownMatchOneQueryPerRule(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	src := promtest.NewSource(t)
	src.SetMany(diffSeries(0))
	prom := promtest.Start(t, promtest.Options{Targets: []string{src.Addr()}, ScrapeInterval: 500 * time.Millisecond})
	prom.WaitForSeries(t, `d_stage == 0`, time.Minute)

	// Record one evaluation time per stage, once its values are stored.
	times := make([]time.Time, len(diffStages))
	for i := range diffStages {
		if i > 0 {
			src.SetMany(diffSeries(i))
			prom.WaitForSeries(t, fmt.Sprintf(`d_stage == %d`, i), time.Minute)
		}
		// A scrape after the wait saw the stage's values too: wait for one
		// more so that none of this stage's series is older than d_stage.
		time.Sleep(1200 * time.Millisecond)
		times[i] = time.Now().Add(-100 * time.Millisecond)
	}
	// Later scrapes carry the last stage's values; queries at times[i]
	// read stage i's.
	ctx := context.Background()
	_ = ctx

	set := mustParse(t, diffRules)
	full := newPromQuerier(prom.URL())
	plain := newPromQuerier(prom.URL())
	mFull := newTestManager(t, full, openStore(t, t.TempDir()), func(o *Options) { o.NoPushdown = false })
	mPlain := newTestManager(t, plain, openStore(t, t.TempDir()), func(o *Options) { o.NoPushdown, o.NoBatching = true, true })
	startManager(t, mFull, set)
	startManager(t, mPlain, mustParse(t, diffRules))

	pushed := 0
	for _, g := range set.Groups {
		for _, r := range g.Rules {
			if r.PushedQuery != "" {
				pushed++
			}
		}
	}
	if pushed < 15 {
		t.Fatalf("only %d rules pushed down", pushed)
	}

	var nFull, nPlain int
	for i, ts := range times {
		checkParts(t, mFull, newPromQuerier(prom.URL()), ts)
		checkPushed(t, set, newPromQuerier(prom.URL()), ts)
		f0, p0 := full.count(), plain.count()
		for _, g := range []string{"tricky", "pushdown", "offset", "limited"} {
			evalGroup(mFull, g, ts)
			evalGroup(mPlain, g, ts)
		}
		nFull, nPlain = nFull+full.count()-f0, nPlain+plain.count()-p0
		got, want := diffView(mFull), diffView(mPlain)
		if got != want {
			t.Fatalf("stage %d: batched and pushed down:\n%s\n\none query per rule, as written:\n%s", i, got, want)
		}
	}
	// Batching sent fewer queries (the first evaluation's batch fails on
	// the failing rules, which go alone from then on).
	t.Logf("queries: %d batched and pushed down, %d one per rule; %d rules pushed down", nFull, nPlain, pushed)
	if nFull >= nPlain/2 {
		t.Fatalf("%d queries batched against %d one per rule", nFull, nPlain)
	}
	view := diffView(mFull)
	for _, want := range []string{`Hyst ok`, `severity="warning"`, `severity="critical"`, `many-to-many`, `same labelset`, `not a vector`, `exceeded`,
		`alertname="For"`, `@pending`, `level="high"`} {
		if !strings.Contains(view, want) {
			t.Errorf("the run never showed %q:\n%s", want, view)
		}
	}
}

// diffView is every rule's health, error and alerts, with values and
// annotations, for comparison.
func diffView(m *Manager) string {
	var out []string
	for _, g := range m.Groups() {
		for _, r := range g.Rules {
			var as []string
			for _, a := range r.Alerts {
				as = append(as, fmt.Sprintf("%s=%s@%s%v", a.Labels, fmtValue(a.Value), a.State, a.Annotations))
			}
			sortStrings(as)
			out = append(out, fmt.Sprintf("%s %s %q %v", r.Rule.Name(), r.Health, r.LastError, as))
		}
	}
	return strings.Join(out, "\n")
}

func fmtValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// sameVector reports whether two answers are identical: the same series,
// labels (with __name__), values (NaN equal to NaN) and order.
func sameVector(a, b *Vector) bool {
	if len(a.Samples) != len(b.Samples) {
		return false
	}
	for i := range a.Samples {
		x, y := a.Samples[i], b.Samples[i]
		if !x.Labels.Equal(y.Labels) || math.Float64bits(x.Value) != math.Float64bits(y.Value) && !(math.IsNaN(x.Value) && math.IsNaN(y.Value)) {
			return false
		}
	}
	return true
}

func fmtVector(v *Vector) string {
	var b strings.Builder
	for _, s := range v.Samples {
		fmt.Fprintf(&b, "%v=%s ", s.Labels, fmtValue(s.Value))
	}
	return b.String()
}

// checkParts batches each group of m at ts and checks every part's answer
// against the same query asked alone.
func checkParts(t *testing.T, m *Manager, q Querier, ts time.Time) {
	t.Helper()
	ctx := context.Background()
	batched := 0
	for _, g := range m.groups {
		shared, tried := map[string]queryResult{}, map[string]bool{}
		g.prefetch(ctx, g.rules, ts, shared, tried, false)
		for _, rt := range g.rules {
			r, ok := shared[rt.queryKey()]
			if !ok {
				continue
			}
			batched++
			var alone Vector
			if err := q.Query(ctx, g.sentQuery(rt), ts, &alone); err != nil {
				t.Fatalf("%s: batched, but alone: %v", rt.rule.Name(), err)
			}
			if !sameVector(r.vec, &alone) {
				t.Fatalf("%s (%q): batched part\n%s\nalone\n%s", rt.rule.Name(), g.sentQuery(rt), fmtVector(r.vec), fmtVector(&alone))
			}
		}
	}
	if batched < 10 {
		t.Fatalf("only %d rules were batched", batched)
	}
}

// checkPushed checks each pushed query's answer against the query as
// written: the same series, in the same order, less only series that
// cannot matter to the rule.
func checkPushed(t *testing.T, set *rules.Set, q Querier, ts time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, g := range set.Groups {
		for _, r := range g.Rules {
			if r.PushedQuery == "" {
				continue
			}
			var raw, pushed Vector
			errRaw := q.Query(ctx, r.Query, ts, &raw)
			errPushed := q.Query(ctx, r.PushedQuery, ts, &pushed)
			if (errRaw == nil) != (errPushed == nil) {
				t.Fatalf("%s: as written: %v; pushed down: %v", r.Name(), errRaw, errPushed)
			}
			j := 0
			for _, s := range raw.Samples {
				kept := j < len(pushed.Samples) && s.Labels.Equal(pushed.Samples[j].Labels)
				if kept {
					if p := pushed.Samples[j].Value; math.Float64bits(p) != math.Float64bits(s.Value) && !(math.IsNaN(p) && math.IsNaN(s.Value)) {
						t.Fatalf("%s: value of %v changed from %v to %v", r.Name(), s.Labels, s.Value, p)
					}
					j++
					continue
				}
				if canMatter(r, s) {
					t.Fatalf("%s: pushed query %q dropped %v=%v, which matters\nas written: %s\npushed: %s",
						r.Name(), r.PushedQuery, s.Labels, s.Value, fmtVector(&raw), fmtVector(&pushed))
				}
			}
			if j != len(pushed.Samples) {
				t.Fatalf("%s: pushed query answered series the query does not (or in another order)\nas written: %s\npushed: %s",
					r.Name(), fmtVector(&raw), fmtVector(&pushed))
			}
		}
	}
}

// canMatter is what the evaluator does with a series: it can be active, or
// keep an active alert active.
func canMatter(r *rules.Rule, s Sample) bool {
	ls := &seriesView{labels: s.Labels}
	ok := func(c *rules.Condition) bool { return c.EvalFast(s.Value, ls) }
	active := r.Condition == nil || ok(r.Condition)
	if active && len(r.Severities) > 0 {
		active = false
		for _, sv := range r.Severities {
			active = active || ok(sv.Condition)
		}
	}
	return active || r.Resolve != nil && !ok(r.Resolve)
}
