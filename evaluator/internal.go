package evaluator

import (
	"context"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/state"
)

// The internal group holds alerter's own alerts about itself.
const (
	internalGroupFile = "<alerter>"
	internalGroupName = "alerter"
	internalAlertName = "AlerterDatasourceDown"
)

var internalRuleID = internalGroupFile + ";" + internalGroupName + "/" + internalAlertName

// buildInternal makes the group that raises AlerterDatasourceDown when the
// datasource has been failing for longer than DatasourceDownAfter. It goes
// through the same state machine, store and delivery as any rule.
func (m *Manager) buildInternal() *groupRuntime {
	if m.opts.DatasourceDownAfter < 0 {
		return nil
	}
	r := &rules.Rule{
		ID:    internalRuleID,
		Alert: internalAlertName,
		Query: "(alerter: datasource failing for longer than " + model.Duration(m.opts.DatasourceDownAfter).String() + ")",
		Labels: map[string]string{
			"severity": "critical",
		},
		Annotations: map[string]string{
			"summary":     "alerter cannot query its datasource",
			"description": "Queries to the datasource have been failing; alert state is frozen until they succeed again.",
		},
	}
	g := &rules.Group{File: internalGroupFile, Name: internalGroupName, Rules: []*rules.Rule{r}}
	gr := &groupRuntime{g: g, key: g.Key(), m: m, interval: m.opts.DefaultInterval}
	gr.log = m.log.With("group", g.Name)
	gr.sched = newIntervalSchedule(gr.key, gr.interval)
	rt := newRuleRuntime(r, 0, nil, m.evalOpts)
	rt.params.GeneratorURL = ""
	gr.rules = []*ruleRuntime{rt}
	gr.evalFunc = m.evalInternal
	return gr
}

// evalInternal evaluates the datasource-down rule at ts.
func (m *Manager) evalInternal(ctx context.Context, g *groupRuntime, ts time.Time, batch *state.Batch) {
	rt := g.rules[0]
	var vec Vector
	rt.episodes.Evaluated()
	since := m.health.failing()
	if !since.IsZero() && ts.Sub(since) >= m.opts.DatasourceDownAfter {
		vec.Append([]Label{{Name: "datasource", Value: m.opts.DatasourceName}}, ts.Sub(since).Seconds())
	}
	res, err := rt.evaluate(ctx, &vec, ts, nil)
	batch.Upserts = append(batch.Upserts, res.Changed...)
	batch.Deletes = append(batch.Deletes, res.Deleted...)
	batch.Events = append(batch.Events, res.Events...)
	batch.Episodes = append(batch.Episodes, rt.trackEpisodes(g.key, res.Events)...)
	rt.setHealth(Evaluation{At: ts, Samples: len(vec.Samples), Active: res.Active}, err)
}
