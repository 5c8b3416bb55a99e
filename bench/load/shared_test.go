package load

import (
	"fmt"
	"testing"
)

// promQueryHandler is the handler label of Prometheus's instant query
// endpoint in prometheus_http_requests_total.
const promQueryHandler = "/api/v1/query"

// sharedResult is one variant of the shared scenario.
type sharedResult struct {
	Shared      bool
	Rules       int
	Distinct    int     // distinct canonical queries per cycle
	Sent        float64 // alerter_queries_total per cycle
	Saved       float64 // alerter_queries_saved_total per cycle
	PromQueries float64 // Prometheus's own count of instant queries per cycle
	CPU         float64 // alerter CPU seconds per cycle
	Dur         float64 // Σ of the groups' last evaluation durations
	Others      float64 // CPU seconds per cycle of every other process
}

// runShared runs alerter on the shared scenario's rules, as written
// (shared) or with every repeat made textually different, and counts the
// queries of one steady cycle on both sides of the wire. Prometheus's rule
// manager evaluates nothing meanwhile, and nothing else queries it.
func (b *bench) runShared(t *testing.T, shared bool) sharedResult {
	t.Helper()
	name := "unshared"
	if shared {
		name = "shared"
	}
	groups := sharedRules(b.cfg, shared)
	files, keys := b.writeRules(t, name, groups, b.cfg.GroupsPerFile)
	a := b.startAlerter(t, alerterOptions{RuleFiles: files, Interval: b.cfg.SharedInterval})
	defer a.stop(t)
	w := b.measure(t, a, keys, nil, b.cfg.SharedInterval)
	res := sharedResult{
		Shared:      shared,
		Rules:       countRules(groups),
		Distinct:    b.cfg.SharedGroups * b.cfg.SharedQueries,
		Sent:        w.perCycle("alerter_queries_total", nil),
		Saved:       w.perCycle("alerter_queries_saved_total", nil),
		PromQueries: w.promPerCycle("prometheus_http_requests_total", map[string]string{"handler": promQueryHandler}),
		CPU:         w.perCycle("process_cpu_seconds_total", nil),
		Dur:         sum(valuesAt(w.B.ByLabel("alerter_rule_group_last_duration_seconds", "rule_group"), keys)),
		Others:      w.othersPerCycle(),
	}
	if !shared {
		res.Distinct = res.Rules
	}
	return res
}

// valuesAt returns m's values at keys.
func valuesAt(m map[string]float64, keys []string) []float64 {
	out := make([]float64, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// sharedTable renders both variants.
func sharedTable(cfg Config, rs []sharedResult) *Table {
	t := &Table{
		Title: fmt.Sprintf("Shared queries: %d groups × %d queries × %d rules (conditions %v), %d series per query, evaluation interval %s",
			cfg.SharedGroups, cfg.SharedQueries, cfg.SharedRepeats, sharedThresholds[:cfg.SharedRepeats], sharedShardSize, cfg.SharedInterval),
		Header: []string{
			"variant", "rules", "distinct queries", "alerter queries sent/cycle", "saved/cycle",
			"sent + saved", "Prometheus /api/v1/query requests/cycle", "alerter CPU s/cycle", "alerter Σ group s", "other CPU s/cycle",
		},
	}
	for _, r := range rs {
		v := "as written (sharing)"
		if !r.Shared {
			v = "repeats made distinct (no sharing)"
		}
		t.Add(v, thousands(r.Rules), thousands(r.Distinct), fmt.Sprintf("%.0f", r.Sent), fmt.Sprintf("%.0f", r.Saved),
			fmt.Sprintf("%.0f", r.Sent+r.Saved), fmt.Sprintf("%.0f", r.PromQueries), secs(r.CPU), secs(r.Dur), secs(max(r.Others, 0)))
	}
	t.Notes = []string{
		"Per cycle: counter increase over one steady cycle divided by the cycles alerter's iteration counters show. " +
			"Prometheus's count is prometheus_http_requests_total{handler=\"/api/v1/query\"} on its own /metrics. " +
			"The no-sharing variant gives the k-th repeat of `bench_load{s10=\"n\"}` k redundant matchers that every series of the shard matches " +
			"(`s100=\"n/10\"`, `s1000=\"n/100\"`), so its canonical text differs and it is sent, with the same answer.",
	}
	return t
}
