package evaluator

import (
	"context"
	"math"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/rules"
)

// Health is a rule's health as Prometheus's API reports it.
type Health string

// Rule health values.
const (
	HealthUnknown Health = "unknown"
	HealthOK      Health = "ok"
	HealthErr     Health = "err"
)

// ruleRuntime is one loaded rule and its live state.
type ruleRuntime struct {
	rule   *rules.Rule
	params MachineParams
	opts   *evalOptions

	mu         sync.RWMutex
	states     map[model.Fingerprint]*alert.Alert
	health     Health
	lastError  string
	lastEval   time.Time
	evalDur    time.Duration
	rank       map[string]int
	machine    vm.VM
	env        rules.Env
	seriesBuf  []Series
	tmplLabels map[string]string

	// cache maps a series (by its fast fingerprint) to the alert labels and
	// identity computed for it, so the steady state rebuilds neither. Only
	// used when every label template is static (none depends on $value).
	cache      map[model.Fingerprint]*cachedSeries
	cacheable  bool
	generation uint64
}

// cachedSeries is what a series' labels turned into last time.
type cachedSeries struct {
	metric model.Metric
	labels model.LabelSet // without the computed severity; shared, never mutated
	id     model.Fingerprint
	gen    uint64
}

// evalOptions are the settings shared by every rule.
type evalOptions struct {
	externalLabels    model.LabelSet
	externalLabelsMap map[string]string
	externalURL       string
	generatorBase     string
	resolvedRetention time.Duration
}

func newRuleRuntime(r *rules.Rule, limit int, o *evalOptions) *ruleRuntime {
	rt := &ruleRuntime{
		rule:      r,
		opts:      o,
		states:    map[model.Fingerprint]*alert.Alert{},
		health:    HealthUnknown,
		cache:     map[model.Fingerprint]*cachedSeries{},
		cacheable: true,
	}
	for _, t := range r.LabelTemplates {
		if t != nil && !t.Static() {
			rt.cacheable = false
		}
	}
	rt.params = MachineParams{
		RuleID:            r.ID,
		For:               r.For,
		KeepFiringFor:     r.KeepFiringFor,
		ResolvedRetention: o.resolvedRetention,
		Limit:             limit,
		GeneratorURL:      generatorURL(o.generatorBase, r.Query),
	}
	if len(r.Severities) > 0 {
		rt.rank = make(map[string]int, len(r.Severities))
		for i, s := range r.Severities {
			rt.rank[s.Name] = i
		}
		rt.params.SeverityRank = func(s string) int {
			if i, ok := rt.rank[s]; ok {
				return i
			}
			return math.MaxInt
		}
	}
	return rt
}

// generatorURL links to the rule's query in the datasource's graph page, as
// Prometheus does for its own alerts.
func generatorURL(base, query string) string {
	if base == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + "/graph?g0.expr=" + url.QueryEscape(query) + "&g0.tab=1"
}

// evaluate turns one query result into the series that are active, then
// steps the state machine. It holds the rule's lock while it mutates state.
func (rt *ruleRuntime) evaluate(ctx context.Context, vec model.Vector, ts time.Time, q Querier) (StepResult, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	series, err := rt.selectActive(ctx, vec, ts, q)
	if err != nil {
		return StepResult{}, err
	}
	res, err := Step(rt.states, series, ts, rt.params)
	rt.addExternalLabels(res.Events)
	return res, err
}

// addExternalLabels stamps external labels on the alert snapshots that go
// downstream, as Prometheus does when it sends alerts; the alerts' own
// labels (and the API) do not carry them.
func (rt *ruleRuntime) addExternalLabels(evs []*alert.Event) {
	if len(rt.opts.externalLabels) == 0 {
		return
	}
	for _, e := range evs {
		for k, v := range rt.opts.externalLabels {
			if _, ok := e.Alert.Labels[k]; !ok {
				e.Alert.Labels[k] = v
			}
		}
	}
}

// selectActive applies the condition, severities and resolve hysteresis.
func (rt *ruleRuntime) selectActive(ctx context.Context, vec model.Vector, ts time.Time, q Querier) ([]Series, error) {
	r := rt.rule
	out := rt.seriesBuf[:0]
	for _, smpl := range vec {
		metric := smpl.Metric
		value := float64(smpl.Value)
		rt.env.Value = value
		rt.env.Labels = metricMap(metric, rt.env.Labels)

		active := true
		if r.Condition != nil {
			ok, err := r.Condition.Eval(&rt.machine, &rt.env)
			if err != nil {
				return nil, err
			}
			active = ok
		}
		severity, rank := "", 0
		if active && len(r.Severities) > 0 {
			active = false
			for i, s := range r.Severities {
				ok, err := s.Condition.Eval(&rt.machine, &rt.env)
				if err != nil {
					return nil, err
				}
				if ok {
					severity, rank, active = s.Name, i, true
					break
				}
			}
		}
		if !active && r.Resolve == nil {
			continue
		}
		labels, id, err := rt.labelsFor(ctx, metric, value, severity, ts, q)
		if err != nil {
			return nil, err
		}
		if !active {
			// Hysteresis: an alert that is pending or firing stays so until
			// its resolve condition holds, even though condition is false.
			prev := rt.states[id]
			if prev == nil || prev.State == alert.StateInactive {
				continue
			}
			done, err := r.Resolve.Eval(&rt.machine, &rt.env)
			if err != nil {
				return nil, err
			}
			if done {
				continue
			}
			if len(r.Severities) > 0 {
				// Keep the severity it had.
				severity = prev.Severity()
				labels = withSeverity(labels, severity)
				rank = rt.params.SeverityRank(severity)
			}
		}
		annotations, err := rt.annotations(ctx, metric, value, ts, q)
		if err != nil {
			return nil, err
		}
		out = append(out, Series{ID: id, Labels: labels, Annotations: annotations, Value: value, Rank: rank})
	}
	rt.seriesBuf = out[:0]
	rt.evictCache(len(vec))
	return out, nil
}

// labelsFor returns a series' alert labels (with severity, if any) and its
// identity, from the cache when the series was seen before.
func (rt *ruleRuntime) labelsFor(ctx context.Context, metric model.Metric, value float64, severity string, ts time.Time, q Querier) (model.LabelSet, model.Fingerprint, error) {
	if !rt.cacheable {
		labels, err := rt.alertLabels(ctx, metric, value, severity, ts, q)
		if err != nil {
			return nil, 0, err
		}
		return labels, identity(labels, len(rt.rule.Severities) > 0), nil
	}
	fp := metric.FastFingerprint()
	c := rt.cache[fp]
	if c == nil || !sameMetric(c.metric, metric) {
		base, err := rt.alertLabels(ctx, metric, value, "", ts, q)
		if err != nil {
			return nil, 0, err
		}
		c = &cachedSeries{labels: base, id: base.Fingerprint()}
		rt.cache[fp] = c
	}
	c.metric, c.gen = metric, rt.generation
	if severity == "" {
		return c.labels, c.id, nil
	}
	return withSeverity(c.labels, severity), c.id, nil
}

// withSeverity returns a copy of labels with the severity label set; the
// input, which may be shared, is not modified.
func withSeverity(labels model.LabelSet, severity string) model.LabelSet {
	out := make(model.LabelSet, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	out["severity"] = model.LabelValue(severity)
	return out
}

// evictCache forgets series not seen in this evaluation once the cache has
// grown well past the result's size.
func (rt *ruleRuntime) evictCache(n int) {
	gen := rt.generation
	rt.generation++
	if len(rt.cache) <= 2*n+64 {
		return
	}
	for fp, c := range rt.cache {
		if c.gen != gen {
			delete(rt.cache, fp)
		}
	}
}

func sameMetric(a, b model.Metric) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// identity is the fingerprint that keeps an alert one alert across
// evaluations: its labels, without the severity label when the rule
// computes severity (so a rise from warning to critical is the same alert).
func identity(labels model.LabelSet, withoutSeverity bool) model.Fingerprint {
	if !withoutSeverity {
		return labels.Fingerprint()
	}
	sev, ok := labels["severity"]
	if !ok {
		return labels.Fingerprint()
	}
	delete(labels, "severity")
	fp := labels.Fingerprint()
	labels["severity"] = sev
	return fp
}

// alertLabels builds an alert's labels as Prometheus does: the series'
// labels without __name__, the rule's labels (templates expanded; an empty
// result removes the label), the alert name, and the severity.
func (rt *ruleRuntime) alertLabels(ctx context.Context, metric model.Metric, value float64, severity string, ts time.Time, q Querier) (model.LabelSet, error) {
	r := rt.rule
	ls := make(model.LabelSet, len(metric)+len(r.Labels)+2)
	for k, v := range metric {
		if k != model.MetricNameLabel {
			ls[k] = v
		}
	}
	var data *rules.TemplateData
	for k, v := range r.Labels {
		if t := r.LabelTemplates[k]; t != nil && !t.Static() {
			if data == nil {
				data = rt.templateData(ctx, metric, value, ts, q)
			}
			s, err := t.Expand(data)
			if err != nil {
				return nil, err
			}
			v = s
		}
		if v == "" {
			delete(ls, model.LabelName(k))
			continue
		}
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	ls[model.AlertNameLabel] = model.LabelValue(r.Alert)
	if severity != "" {
		ls["severity"] = model.LabelValue(severity)
	}
	return ls, nil
}

func (rt *ruleRuntime) annotations(ctx context.Context, metric model.Metric, value float64, ts time.Time, q Querier) (model.LabelSet, error) {
	r := rt.rule
	if len(r.Annotations) == 0 {
		return nil, nil
	}
	out := make(model.LabelSet, len(r.Annotations))
	var data *rules.TemplateData
	for k, v := range r.Annotations {
		if t := r.AnnotationTemplates[k]; t != nil && !t.Static() {
			if data == nil {
				data = rt.templateData(ctx, metric, value, ts, q)
			}
			s, err := t.Expand(data)
			if err != nil {
				// As in Prometheus, a template error shows in the text
				// instead of failing the evaluation.
				s = "<error expanding template: " + err.Error() + ">"
			}
			v = s
		}
		out[model.LabelName(k)] = model.LabelValue(v)
	}
	return out, nil
}

func (rt *ruleRuntime) templateData(ctx context.Context, metric model.Metric, value float64, ts time.Time, q Querier) *rules.TemplateData {
	labels := make(map[string]string, len(metric))
	for k, v := range metric {
		labels[string(k)] = string(v)
	}
	d := &rules.TemplateData{
		Labels:         labels,
		ExternalLabels: rt.opts.externalLabelsMap,
		ExternalURL:    rt.opts.externalURL,
		Value:          value,
		Time:           ts,
	}
	if q != nil {
		d.Query = func(query string) ([]rules.Sample, error) {
			vec, err := q.Query(ctx, query, ts)
			if err != nil {
				return nil, err
			}
			out := make([]rules.Sample, len(vec))
			for i, s := range vec {
				m := make(map[string]string, len(s.Metric))
				for k, v := range s.Metric {
					m[string(k)] = string(v)
				}
				out[i] = rules.Sample{Labels: m, Value: float64(s.Value)}
			}
			return out, nil
		}
	}
	return d
}

// metricMap refills m with the series' labels for the condition's
// environment, reusing the map between series.
func metricMap(metric model.Metric, m map[string]string) map[string]string {
	if m == nil {
		m = make(map[string]string, len(metric))
	} else {
		clear(m)
	}
	for k, v := range metric {
		m[string(k)] = string(v)
	}
	return m
}
