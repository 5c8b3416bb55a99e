package evaluator

import (
	"context"
	"hash/maphash"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/episode"
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

	mu        sync.RWMutex
	states    map[model.Fingerprint]*alert.Alert
	health    Health
	lastError string
	lastEval  time.Time
	evalDur   time.Duration
	rank      map[string]int
	history   *evalRing
	// episodes follows the rule's firing episodes, to count how many
	// evaluations each took to resolve.
	episodes *episode.Tracker

	// Scratch reused from one evaluation to the next.
	exprVM    vm.VM
	env       rules.Env // for conditions without a fast path
	cur       seriesView
	seriesBuf []Series
	seen      map[model.Fingerprint]struct{} // duplicate detection in Step

	// cache maps a series (by a hash of its labels) to the alert labels and
	// identity computed for it, so the steady state rebuilds neither. Only
	// used when every label template is static (none depends on $value).
	cache      map[uint64]*cachedSeries
	seed       maphash.Seed
	cacheable  bool
	generation uint64
	// bySeverity holds, for rules with severities, an alert's labels with
	// each severity label (by rank), built when first needed.
	bySeverity map[model.Fingerprint][]model.LabelSet

	// emitted are the series written for remote write in the last
	// successful evaluation (guarded by mu).
	emitted emitted
	// waitForRecords: the rule may read what an earlier recording rule of
	// its group records, so those samples are written before it queries.
	waitForRecords bool

	// staticAnnotations, when every annotation is static, is built once
	// and shared by the rule's alerts (nobody modifies an alert's
	// annotations in place).
	staticAnnotations model.LabelSet
}

// cachedSeries is what a series' labels turned into last time.
type cachedSeries struct {
	series Labels         // a copy: the query result's memory is reused
	labels model.LabelSet // without the computed severity; shared, never mutated
	id     model.Fingerprint
	gen    uint64
}

// seriesView is the series being evaluated, as conditions read it.
type seriesView struct {
	labels   Labels
	value    float64
	envReady bool // env holds this series (for the VM)
}

// Label implements rules.LabelSource.
func (s *seriesView) Label(name string) string { return s.labels.Get(name) }

// evalOptions are the settings shared by every rule.
type evalOptions struct {
	externalLabels    model.LabelSet
	externalLabelsMap map[string]string
	externalURL       string
	generatorBase     string
	resolvedRetention time.Duration
	evalHistory       int
	// flapDefault is the global flap_detection (nil: none).
	flapDefault *rules.FlapDetection
}

// newRuleRuntime builds the runtime of rule r of a group with the given
// limit and flap_detection block (nil: none).
func newRuleRuntime(r *rules.Rule, limit int, groupFlap *rules.FlapDetection, o *evalOptions) *ruleRuntime {
	rt := &ruleRuntime{
		rule:      r,
		opts:      o,
		states:    map[model.Fingerprint]*alert.Alert{},
		health:    HealthUnknown,
		cache:     map[uint64]*cachedSeries{},
		seed:      maphash.MakeSeed(),
		cacheable: true,
		history:   newEvalRing(o.evalHistory),
		episodes:  episode.NewTracker(),
	}
	for _, t := range r.LabelTemplates {
		if t != nil && !t.Static() {
			rt.cacheable = false
		}
	}
	if len(r.Annotations) > 0 {
		static := model.LabelSet{}
		for k, v := range r.Annotations {
			if t := r.AnnotationTemplates[k]; t != nil && !t.Static() {
				static = nil
				break
			}
			static[model.LabelName(k)] = model.LabelValue(v)
		}
		rt.staticAnnotations = static
	}
	rt.params = MachineParams{
		RuleID:            r.ID,
		For:               r.For,
		KeepFiringFor:     r.KeepFiringFor,
		ResolvedRetention: o.resolvedRetention,
		Limit:             limit,
		GeneratorURL:      generatorURL(o.generatorBase, r.Query),
		Flap:              flapConfig(o.flapDefault, groupFlap, r.FlapDetection),
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
func (rt *ruleRuntime) evaluate(ctx context.Context, vec *Vector, ts time.Time, q Querier) (StepResult, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	series, err := rt.selectActive(ctx, vec, ts, q)
	if err != nil {
		return StepResult{}, err
	}
	if rt.seen == nil {
		rt.seen = map[model.Fingerprint]struct{}{}
	}
	res, err := stepWith(rt.states, series, ts, rt.params, rt.seen)
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
func (rt *ruleRuntime) selectActive(ctx context.Context, vec *Vector, ts time.Time, q Querier) ([]Series, error) {
	r := rt.rule
	out := rt.seriesBuf[:0]
	defer func() { rt.cur = seriesView{} }() // keep no reference to the result
	n := 0
	if vec != nil {
		n = len(vec.Samples)
	}
	for i := 0; i < n; i++ {
		smpl := &vec.Samples[i]
		value := smpl.Value
		rt.cur = seriesView{labels: smpl.Labels, value: value}

		active := true
		if r.Condition != nil {
			ok, err := rt.check(r.Condition)
			if err != nil {
				return nil, err
			}
			active = ok
		}
		severity, rank := "", 0
		if active && len(r.Severities) > 0 {
			active = false
			for i, s := range r.Severities {
				ok, err := rt.check(s.Condition)
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
		labels, id, err := rt.labelsFor(ctx, smpl.Labels, value, severity, rank, ts, q)
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
			done, err := rt.check(r.Resolve)
			if err != nil {
				return nil, err
			}
			if done {
				continue
			}
			if len(r.Severities) > 0 {
				// Keep the severity it had.
				severity = prev.Severity()
				rank = rt.params.SeverityRank(severity)
				if !rt.cacheable {
					labels = withSeverity(labels, severity)
				} else if labels, _, err = rt.labelsFor(ctx, smpl.Labels, value, severity, rank, ts, q); err != nil {
					return nil, err
				}
			}
		}
		annotations, err := rt.annotations(ctx, smpl.Labels, value, ts, q)
		if err != nil {
			return nil, err
		}
		out = append(out, Series{ID: id, Labels: labels, Annotations: annotations, Value: value, Rank: rank})
	}
	rt.seriesBuf = out[:0]
	rt.evictCache(n)
	return out, nil
}

// check runs a condition for the current series: on its fast path when it
// has one, else with expr-lang's VM over a label map built once per series.
func (rt *ruleRuntime) check(c *rules.Condition) (bool, error) {
	if c.Fast() {
		return c.EvalFast(rt.cur.value, &rt.cur), nil
	}
	if !rt.cur.envReady {
		rt.env.Value = rt.cur.value
		rt.env.Labels = labelMap(rt.cur.labels, rt.env.Labels)
		rt.cur.envReady = true
	}
	return c.Eval(&rt.exprVM, &rt.env)
}

// labelsFor returns a series' alert labels (with severity, if any) and its
// identity, from the cache when the series was seen before.
func (rt *ruleRuntime) labelsFor(ctx context.Context, series Labels, value float64, severity string, rank int, ts time.Time, q Querier) (model.LabelSet, model.Fingerprint, error) {
	if !rt.cacheable {
		labels, err := rt.alertLabels(ctx, series, value, severity, ts, q)
		if err != nil {
			return nil, 0, err
		}
		return labels, identity(labels, len(rt.rule.Severities) > 0), nil
	}
	h := series.hash(rt.seed)
	c := rt.cache[h]
	if c == nil || !c.series.Equal(series) {
		base, err := rt.alertLabels(ctx, series, value, "", ts, q)
		if err != nil {
			return nil, 0, err
		}
		c = &cachedSeries{series: slices.Clone(series), labels: base, id: base.Fingerprint()}
		rt.cache[h] = c
	}
	c.gen = rt.generation
	if severity == "" {
		return c.labels, c.id, nil
	}
	return rt.severityLabels(c, severity, rank), c.id, nil
}

// severityLabels returns the cached series' labels with a severity label,
// the same set every evaluation.
func (rt *ruleRuntime) severityLabels(c *cachedSeries, severity string, rank int) model.LabelSet {
	if rank < 0 || rank >= len(rt.rule.Severities) || rt.rule.Severities[rank].Name != severity {
		return withSeverity(c.labels, severity) // a severity the rule no longer has
	}
	if rt.bySeverity == nil {
		rt.bySeverity = map[model.Fingerprint][]model.LabelSet{}
	}
	// The last slot holds the labels the sets were built from.
	sets := rt.bySeverity[c.id]
	if sets == nil || !sameLabels(sets[len(sets)-1], c.labels) {
		sets = make([]model.LabelSet, len(rt.rule.Severities)+1)
		rt.bySeverity[c.id] = sets
	}
	sets[len(sets)-1] = c.labels
	if sets[rank] == nil {
		sets[rank] = withSeverity(c.labels, severity)
	}
	return sets[rank]
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
	if len(rt.bySeverity) > 2*len(rt.states)+64 {
		for id := range rt.bySeverity {
			if rt.states[id] == nil {
				delete(rt.bySeverity, id)
			}
		}
	}
	if len(rt.cache) <= 2*n+64 {
		return
	}
	for fp, c := range rt.cache {
		if c.gen != gen {
			delete(rt.cache, fp)
		}
	}
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
func (rt *ruleRuntime) alertLabels(ctx context.Context, series Labels, value float64, severity string, ts time.Time, q Querier) (model.LabelSet, error) {
	r := rt.rule
	ls := make(model.LabelSet, len(series)+len(r.Labels)+2)
	for _, l := range series {
		if l.Name != model.MetricNameLabel {
			ls[model.LabelName(l.Name)] = model.LabelValue(l.Value)
		}
	}
	var data *rules.TemplateData
	for k, v := range r.Labels {
		if t := r.LabelTemplates[k]; t != nil && !t.Static() {
			if data == nil {
				data = rt.templateData(ctx, series, value, ts, q)
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

func (rt *ruleRuntime) annotations(ctx context.Context, series Labels, value float64, ts time.Time, q Querier) (model.LabelSet, error) {
	r := rt.rule
	if len(r.Annotations) == 0 {
		return nil, nil
	}
	if rt.staticAnnotations != nil {
		return rt.staticAnnotations, nil
	}
	out := make(model.LabelSet, len(r.Annotations))
	var data *rules.TemplateData
	for k, v := range r.Annotations {
		if t := r.AnnotationTemplates[k]; t != nil && !t.Static() {
			if data == nil {
				data = rt.templateData(ctx, series, value, ts, q)
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

func (rt *ruleRuntime) templateData(ctx context.Context, series Labels, value float64, ts time.Time, q Querier) *rules.TemplateData {
	d := &rules.TemplateData{
		Labels:         series.Map(),
		ExternalLabels: rt.opts.externalLabelsMap,
		ExternalURL:    rt.opts.externalURL,
		Value:          value,
		Time:           ts,
	}
	if q != nil {
		d.Query = func(query string) ([]rules.Sample, error) {
			var vec Vector
			if err := q.Query(ctx, query, ts, &vec); err != nil {
				return nil, err
			}
			out := make([]rules.Sample, len(vec.Samples))
			for i, s := range vec.Samples {
				out[i] = rules.Sample{Labels: s.Labels.Map(), Value: s.Value}
			}
			return out, nil
		}
	}
	return d
}

// labelMap refills m with the series' labels for a condition's VM
// environment, reusing the map between series.
func labelMap(series Labels, m map[string]string) map[string]string {
	if m == nil {
		m = make(map[string]string, len(series))
	} else {
		clear(m)
	}
	for _, l := range series {
		m[l.Name] = l.Value
	}
	return m
}
