package evaluator

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"

	"github.com/alerter/alerter/alert"
)

// Appender collects the samples of one group evaluation (recorded series,
// ALERTS and ALERTS_FOR_STATE) and queues them for remote write on Commit.
// With wait, Commit returns once they are written (or could not be, or
// ctx ended). remotewrite's Appender satisfies it.
type Appender interface {
	Append(ls labels.Labels, t int64, v float64)
	Commit(ctx context.Context, wait bool) error
}

// Series names Prometheus writes for alerting rules.
const (
	alertMetricName         = "ALERTS"
	alertForStateMetricName = "ALERTS_FOR_STATE"
	alertStateLabel         = "alertstate"
)

// staleNaN marks a series that ended, as Prometheus writes it.
var staleNaN = math.Float64frombits(value.StaleNaN)

// emitted is what a rule wrote in its last successful evaluation, by the
// hash of each series' labels, so that series it no longer writes get a
// staleness marker, as in Prometheus.
type emitted map[uint64]labels.Labels

// evalRecording evaluates a recording rule at ts: its query's result,
// each series named after the rule and given its labels, appended at
// ts - query_offset. A failing query appends nothing and keeps the last
// series (no staleness markers), as in Prometheus.
func (g *groupRuntime) evalRecording(ctx context.Context, rt *ruleRuntime, ts time.Time, app Appender, shared map[string]queryResult) {
	start := time.Now()
	met := g.m.metrics
	met.ruleEvals.WithLabelValues(g.key).Inc()
	vec, batched, err := g.query(ctx, rt, ts, shared)
	since := func() time.Duration { return time.Since(start) + batched }
	if err != nil {
		met.ruleEvalFailures.WithLabelValues(g.key).Inc()
		if ctx.Err() != nil {
			return
		}
		unavailable := IsUnavailable(err)
		reason := "rule"
		if unavailable {
			reason = "unavailable"
		}
		met.queryFailures.WithLabelValues(reason).Inc()
		g.m.health.observe(ts, err, unavailable)
		rt.setHealth(Evaluation{At: ts, Duration: since(), Samples: -1, Active: -1}, err)
		g.log.Warn("query of recording rule failed", "rule", rt.rule.Name(), "err", err)
		return
	}
	g.m.health.observe(ts, nil, false)
	cur, err := rt.recordedSeries(vec, g.g.Limit)
	if err != nil {
		met.ruleEvalFailures.WithLabelValues(g.key).Inc()
		rt.setHealth(Evaluation{At: ts, Duration: since(), Samples: len(vec.Samples), Active: -1}, err)
		g.log.Warn("recording rule failed", "rule", rt.rule.Name(), "err", err)
		return
	}
	t := ts.Add(-g.queryOffset).UnixMilli()
	for i := range cur {
		app.Append(cur[i].ls, t, cur[i].v)
	}
	rt.replaceEmitted(app, t, cur)
	rt.setHealth(Evaluation{At: ts, Duration: since(), Samples: len(vec.Samples), Active: -1}, nil)
}

type recorded struct {
	ls labels.Labels
	v  float64
}

// recordedSeries builds a recording rule's output as Prometheus does:
// __name__ set to the record name, the rule's labels set (an empty value
// removes the label); two series with the same labels, or more series than
// the group's limit, fail the evaluation.
func (rt *ruleRuntime) recordedSeries(vec *Vector, limit int) ([]recorded, error) {
	r := rt.rule
	var out []recorded
	seen := map[uint64]struct{}{}
	var b labels.Builder
	for _, s := range vec.Samples {
		b.Reset(labels.EmptyLabels())
		for _, l := range s.Labels {
			b.Set(l.Name, l.Value)
		}
		b.Set(labels.MetricName, r.Record)
		for k, v := range r.Labels {
			b.Set(k, v) // "" deletes
		}
		ls := b.Labels()
		h := ls.Hash()
		if _, dup := seen[h]; dup {
			return nil, fmt.Errorf("vector contains metrics with the same labelset after applying rule labels")
		}
		seen[h] = struct{}{}
		out = append(out, recorded{ls, s.Value})
	}
	if limit > 0 && len(out) > limit {
		return nil, fmt.Errorf("exceeded limit of %d with %d series", limit, len(out))
	}
	return out, nil
}

// appendAlertSeries appends, for every pending and firing alert of an
// alerting rule, ALERTS{alertstate=...} = 1 and ALERTS_FOR_STATE = the
// Unix time the alert became active, at t, as Prometheus does each
// evaluation; series written last time and not now get staleness markers.
func (rt *ruleRuntime) appendAlertSeries(app Appender, t int64) {
	rt.mu.RLock()
	cur := make([]recorded, 0, 2*len(rt.states))
	var b labels.Builder
	for _, a := range rt.states {
		if a.State == alert.StateInactive {
			continue
		}
		b.Reset(labels.EmptyLabels())
		for k, v := range a.Labels {
			b.Set(string(k), string(v))
		}
		b.Set(labels.MetricName, alertMetricName)
		b.Set(alertStateLabel, a.State.String())
		cur = append(cur, recorded{b.Labels(), 1})
		b.Del(alertStateLabel)
		b.Set(labels.MetricName, alertForStateMetricName)
		cur = append(cur, recorded{b.Labels(), float64(a.ActiveAt.Unix())})
	}
	rt.mu.RUnlock()
	for i := range cur {
		app.Append(cur[i].ls, t, cur[i].v)
	}
	rt.replaceEmitted(app, t, cur)
}

// replaceEmitted records cur as the rule's series and appends staleness
// markers for the series of the last evaluation that are not in cur.
func (rt *ruleRuntime) replaceEmitted(app Appender, t int64, cur []recorded) {
	next := make(emitted, len(cur))
	for i := range cur {
		next[cur[i].ls.Hash()] = cur[i].ls
	}
	rt.mu.Lock()
	prev := rt.emitted
	rt.emitted = next
	rt.mu.Unlock()
	for h, ls := range prev {
		if _, ok := next[h]; !ok {
			app.Append(ls, t, staleNaN)
		}
	}
}

// markStale appends staleness markers for every series a rule wrote last,
// when the rule is removed by a reload, as Prometheus does.
func (rt *ruleRuntime) markStale(app Appender, t int64) {
	rt.replaceEmitted(app, t, nil)
}
