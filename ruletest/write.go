package ruletest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/rules"
)

// ruleWriter writes what rules produce to a test's storage, as Prometheus
// does: a recording rule's samples, and an alerting rule's ALERTS and
// ALERTS_FOR_STATE series; series a rule stops producing get a stale
// marker. alerter itself writes nothing: this is only so that tests that
// query recorded series (or ALERTS) work as under promtool.
type ruleWriter struct {
	st  *memStorage
	eng *engine
	// last holds, per rule, the series written at its last evaluation.
	last map[string]map[uint64]labels.Labels
}

func newRuleWriter(st *memStorage, eng *engine) *ruleWriter {
	return &ruleWriter{st: st, eng: eng, last: map[string]map[uint64]labels.Labels{}}
}

// record evaluates a recording rule at queryTS and writes its samples at
// ts, with Prometheus's errors for duplicate series and the group limit.
func (w *ruleWriter) record(ctx context.Context, r *rules.Rule, ts, queryTS time.Time, limit int) error {
	vec, err := w.eng.instant(ctx, r.Query, queryTS)
	if err != nil {
		return err
	}
	out := make([]labels.Labels, 0, len(vec))
	vals := make([]float64, 0, len(vec))
	seen := make(map[uint64]bool, len(vec))
	for _, s := range vec {
		b := labels.NewBuilder(s.Metric)
		b.Set(labels.MetricName, r.Record)
		for k, v := range r.Labels {
			b.Set(k, v) // an empty value deletes, as in Prometheus
		}
		ls := b.Labels()
		if seen[ls.Hash()] {
			return errors.New("vector contains metrics with the same labelset after applying rule labels")
		}
		seen[ls.Hash()] = true
		out = append(out, ls)
		vals = append(vals, s.F)
	}
	if limit > 0 && len(out) > limit {
		return fmt.Errorf("exceeded limit of %d with %d series", limit, len(out))
	}
	w.write(r.ID, ts, out, vals)
	return nil
}

// alerts writes an alerting rule's ALERTS (1 per pending or firing alert,
// with alertstate) and ALERTS_FOR_STATE (when it became active) at ts.
func (w *ruleWriter) alerts(_ context.Context, r *rules.Rule, ts time.Time, active []*alert.Alert) error {
	out := make([]labels.Labels, 0, 2*len(active))
	vals := make([]float64, 0, 2*len(active))
	for _, a := range active {
		b := labels.NewBuilder(labels.EmptyLabels())
		for k, v := range a.Labels {
			b.Set(string(k), string(v))
		}
		b.Set(labels.MetricName, "ALERTS")
		b.Set("alertstate", a.State.String())
		out = append(out, b.Labels())
		vals = append(vals, 1)
		b.Del("alertstate")
		b.Set(labels.MetricName, "ALERTS_FOR_STATE")
		out = append(out, b.Labels())
		vals = append(vals, float64(a.ActiveAt.Unix()))
	}
	w.write(r.ID, ts, out, vals)
	return nil
}

// write appends the samples and stale markers for the series of the
// previous evaluation that are gone. As in Prometheus, a sample the
// storage refuses (the same series written twice at one time) is dropped,
// not an evaluation error.
func (w *ruleWriter) write(rule string, ts time.Time, out []labels.Labels, vals []float64) {
	t := ts.Sub(epoch).Milliseconds()
	cur := make(map[uint64]labels.Labels, len(out))
	for i, ls := range out {
		_ = w.st.append(ls, t, vals[i])
		cur[ls.Hash()] = ls
	}
	stale := math.Float64frombits(value.StaleNaN)
	for h, ls := range w.last[rule] {
		if _, ok := cur[h]; !ok {
			_ = w.st.append(ls, t, stale)
		}
	}
	w.last[rule] = cur
}
