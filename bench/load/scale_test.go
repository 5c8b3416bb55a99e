package load

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// scaleResult is one scale case's figures.
type scaleResult struct {
	Case ScaleCase
	// Expr is true when alerter ran Prometheus's rule files unchanged.
	Expr       bool
	Groups     int
	Cycles     float64
	CPU        float64 // alerter CPU seconds per cycle
	PromCPU    float64 // Prometheus CPU seconds per cycle (its rules, scrapes and alerter's queries)
	RSS        float64 // alerter RSS at B, bytes
	Active     float64 // alerter's pending and firing alerts at B
	PromActive float64 // Prometheus's, from its ALERTS series
	Missed     float64 // alerter iterations missed between A and B
	MissedAll  float64 // ... since start
	Others     float64 // CPU seconds per cycle of every other process on the machine
	QuerySecs  float64 // alerter's time waiting for query answers per cycle
	Queries    float64 // alerter's queries (requests) per cycle
	Overlap    float64 // seconds of the last cycle in which both engines were evaluating
	Misplaced  int     // Prometheus groups not evaluated where placeGroups put them
	// Per group, in the same order: the last evaluation durations.
	Dur, PromDur []float64
}

// The parts of the interval where each engine's groups are placed; the
// gaps leave each engine's last groups time to finish before the other's
// first.
const (
	alerterFrom, alerterTo = 0.0, 0.4
	promFrom, promTo       = 0.5, 0.9
)

// runScale loads the case's rules into Prometheus's rule manager and a
// fresh alerter at once, measures a steady cycle of both, and unloads them.
// With expr, alerter loads Prometheus's form of the rules (the same
// groups, placed in alerter's part of the interval) instead of its
// query/condition form.
func (b *bench) runScale(t *testing.T, c ScaleCase, expr bool) scaleResult {
	t.Helper()
	iv := b.cfg.ScaleInterval
	part := func(f float64) time.Duration { return time.Duration(f * float64(iv)) }
	name := "scale-" + c.String()
	if expr {
		name = "scale-expr-" + c.String()
	}
	groups, promGroups, err := scaleRules(c, b.cfg, name)
	if err != nil {
		t.Fatal(err)
	}
	if expr {
		groups = slices.Clone(promGroups) // placeGroups renames only the copies
	}
	sub, promSub := name, "prom-"+name
	perFile := b.cfg.GroupsPerFile
	if err := placeGroups(groups, b.ruleFileOf(sub, perFile), part(alerterFrom), part(alerterTo),
		func(file, name string) time.Duration { return alerterOffset(file+";"+name, iv) }); err != nil {
		t.Fatal(err)
	}
	if err := placeGroups(promGroups, b.ruleFileOf(promSub, perFile), part(promFrom), part(promTo),
		func(file, name string) time.Duration { return promOffset(file, name, iv) }); err != nil {
		t.Fatal(err)
	}
	files, keys := b.writeRules(t, sub, groups, perFile)
	promFiles, promKeys := b.writeRules(t, promSub, promGroups, perFile)
	b.setPromRules(t, promFiles)
	defer b.setPromRules(t, nil)
	a := b.startAlerter(t, alerterOptions{RuleFiles: files, Interval: b.cfg.ScaleInterval})
	defer a.stop(t)

	w := b.measure(t, a, keys, promKeys, b.cfg.ScaleInterval)
	const missed = "alerter_rule_group_iterations_missed_total"
	res := scaleResult{
		Case:      c,
		Expr:      expr,
		Groups:    len(keys),
		Cycles:    w.cycles(),
		CPU:       w.perCycle("process_cpu_seconds_total", nil),
		PromCPU:   w.promPerCycle("process_cpu_seconds_total", nil),
		RSS:       w.B.Sum("process_resident_memory_bytes", nil),
		Active:    w.B.Sum("alerter_alerts", nil),
		Missed:    w.B.Sum(missed, nil) - w.A.Sum(missed, nil),
		MissedAll: w.B.Sum(missed, nil),
	}
	res.Others = w.othersPerCycle()
	res.QuerySecs = w.perCycle("alerter_query_duration_seconds_sum", nil)
	res.Queries = w.perCycle("alerter_queries_total", nil)
	dur := w.B.ByLabel("alerter_rule_group_last_duration_seconds", "rule_group")
	last := w.B.ByLabel("alerter_rule_group_last_evaluation_timestamp_seconds", "rule_group")
	promDur := w.PromB.ByLabel("prometheus_rule_group_last_duration_seconds", "rule_group")
	promLast := w.PromB.ByLabel("prometheus_rule_group_last_evaluation_timestamp_seconds", "rule_group")
	var spans, promSpans []span
	for i, k := range keys {
		d, ok1 := dur[k]
		pd, ok2 := promDur[promKeys[i]]
		if !ok1 || !ok2 {
			t.Fatalf("group %s: alerter reports it: %v, Prometheus reports it: %v", groups[i].Name, ok1, ok2)
		}
		res.Dur = append(res.Dur, d)
		res.PromDur = append(res.PromDur, pd)
		spans = append(spans, span{last[k], last[k] + d})
		pl := promLast[promKeys[i]]
		promSpans = append(promSpans, span{pl, pl + pd})
		// Prometheus reports when the evaluation started, a moment after
		// its slot: check that it is the slot placeGroups chose.
		want := promOffset(promFiles[i/perFile], promGroups[i].Name, iv).Seconds()
		if lag := math.Mod(pl-want+iv.Seconds(), iv.Seconds()); lag > iv.Seconds()/20 {
			res.Misplaced++
		}
	}
	res.Overlap = overlap(spans, promSpans)
	if res.Misplaced > 0 {
		t.Logf("case %s: %d of %d Prometheus groups did not start at their predicted offset; the engines may overlap (see the overlap column)",
			c, res.Misplaced, len(keys))
	}
	// The same rules: both engines must have raised the same alerts.
	res.PromActive = b.countPromAlerts(t, name)
	if want := scaleActive(c, b.cfg); int(res.Active) != want || int(res.PromActive) != want {
		t.Errorf("case %s: alerter has %v alerts, Prometheus %v, want %d", c, res.Active, res.PromActive, want)
	}
	return res
}

// countPromAlerts counts the case's pending and firing alerts in
// Prometheus's ALERTS series.
func (b *bench) countPromAlerts(t *testing.T, caseLabel string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := b.prom.Query(ctx, fmt.Sprintf(`count(ALERTS{bench_case=%q})`, caseLabel))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		return 0
	}
	return got[0].Value
}

// sum adds up xs.
func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// medianRatio is the median over i of a[i]/b[i], skipping b[i] == 0.
func medianRatio(a, b []float64) float64 {
	var rs []float64
	for i := range a {
		if b[i] > 0 {
			rs = append(rs, a[i]/b[i])
		}
	}
	if len(rs) == 0 {
		return 0
	}
	slices.Sort(rs)
	if len(rs)%2 == 1 {
		return rs[len(rs)/2]
	}
	return (rs[len(rs)/2-1] + rs[len(rs)/2]) / 2
}

// scaleTable renders the scale results; expr says which form alerter ran.
func scaleTable(cfg Config, rs []scaleResult, expr bool) *Table {
	form := fmt.Sprintf("alerter: `query:` + `condition: value > %g`; Prometheus: `expr: query > %g`", scaleThreshold, scaleThreshold)
	evaluated := "series selected by the rules' queries per cycle (rules × series/rule); alerter receives and evaluates every one of them. "
	if expr {
		form = fmt.Sprintf("both engines load the same file, `expr: query > %g`", scaleThreshold)
		evaluated = "series selected by the rules' queries per cycle (rules × series/rule); Prometheus applies `> 0.99`, so alerter receives only the alerting ones. "
	}
	t := &Table{
		Title: fmt.Sprintf("Scale (%s): evaluation interval %s, %d rules per group, %s series stored",
			form, cfg.ScaleInterval, cfg.RulesPerGroup, thousands(cfg.StoredSeries)),
		Header: []string{
			"rules", "series/rule", "evaluated series/cycle", "groups", "alerts",
			"alerter CPU s/cycle", "alerter RSS MiB", "missed",
			"alerter Σ group s", "of which queries s", "queries/cycle", "Prometheus Σ group s", "ratio Σ", "ratio median/group",
			"Prometheus CPU s/cycle", "other CPU s/cycle", "overlap s",
		},
	}
	for _, r := range rs {
		if r.Expr != expr {
			continue
		}
		t.Add(thousands(r.Case.Rules), thousands(r.Case.PerRule()), thousands(r.Case.Series), r.Groups, thousands(int(r.Active)),
			secs(r.CPU), mib(r.RSS), fmt.Sprintf("%.0f (%.0f)", r.Missed, r.MissedAll),
			secs(sum(r.Dur)), secs(r.QuerySecs), fmt.Sprintf("%.0f", r.Queries), secs(sum(r.PromDur)), ratio(sum(r.Dur), sum(r.PromDur)),
			fmt.Sprintf("%.2fx", medianRatio(r.Dur, r.PromDur)),
			secs(r.PromCPU), secs(max(r.Others, 0)), secs(r.Overlap))
	}
	t.Notes = []string{
		"evaluated series/cycle: " + evaluated +
			"alerts: pending alerts (`for: 1h`), the same number in alerter and in Prometheus's ALERTS (checked). " +
			"alerter CPU: increase of process_cpu_seconds_total over the measured steady cycles (after every group's first evaluation; one unless ALERTER_BENCH_LOAD_CYCLES says more) divided by the cycles its iteration counters show. " +
			"RSS: process_resident_memory_bytes at the end of that cycle. missed: iterations missed in that cycle (since start). " +
			"Σ group s: the sum over all groups of each group's last evaluation duration " +
			"(alerter_rule_group_last_duration_seconds, prometheus_rule_group_last_duration_seconds) once both had evaluated every group at least twice; " +
			"of which queries: alerter's time waiting for answers in that cycle (increase of alerter_query_duration_seconds_sum), queries/cycle: requests sent (alerter_queries_total; a batch is one); " +
			"ratio Σ = alerter Σ / Prometheus Σ; ratio median/group = median over groups of the per-group ratio. " +
			"Prometheus CPU: its process_cpu_seconds_total over the same window per alerter cycle (its own rules, scraping, and answering alerter's queries). " +
			"other CPU: what every other process of the machine used meanwhile (/proc/stat), including the harness " +
			"(0 when within the ±0.5 s by which the three counters are read at slightly different moments). " +
			"Both engines run the same rules in the same cycles, but their groups are named so that alerter evaluates in the first 40 % of each interval and Prometheus in 50-90 %; " +
			"overlap s: how long, in the last cycle, both were evaluating at once (0: the durations are each engine's alone).",
	}
	return t
}
