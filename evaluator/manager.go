// Package evaluator turns rules into alert states at given times: it
// schedules rule groups, queries the datasource, applies conditions and the
// alert state machine, and commits what changed to the state store, from
// which the notification side takes the events.
package evaluator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/internal/condlog"
	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/state"
)

// Options configure a Manager. Zero values take the documented defaults.
type Options struct {
	Querier Querier
	Store   state.Store
	Logger  *slog.Logger
	// Registerer receives the evaluator's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// DefaultInterval applies to groups without interval or schedule (1m).
	DefaultInterval time.Duration
	// DefaultQueryOffset applies to groups without query_offset.
	DefaultQueryOffset time.Duration
	// QueryTimeout bounds each query (30s).
	QueryTimeout time.Duration
	// ExternalLabels are added to the alerts sent downstream.
	ExternalLabels model.LabelSet
	// ExternalURL is alerter's own URL, for templates.
	ExternalURL string
	// GeneratorURLBase is the datasource's URL, for alerts' generator links.
	GeneratorURLBase string
	// ResolvedRetention is how long resolved alerts are kept (15m).
	ResolvedRetention time.Duration
	// OutageTolerance: after a restart, pending alerts keep their ActiveAt
	// only if alerter was down for less than this (1h). Firing alerts are
	// always restored.
	OutageTolerance time.Duration
	// DatasourceDownAfter is how long the datasource must fail before the
	// AlerterDatasourceDown alert goes active (5m); negative disables it.
	DatasourceDownAfter time.Duration
	// DatasourceName labels the AlerterDatasourceDown alert.
	DatasourceName string
	// OnEvents is called after events were stored, to wake the deliverer.
	OnEvents func()
	// OnEvaluated is called after each scheduled group evaluation was
	// stored and the group moved on to its next slot (see
	// EvaluatedBefore). It must not block.
	OnEvaluated func()
	// Appender, when set, gives each group evaluation an Appender for
	// remote write: recording rules are evaluated and alerting rules'
	// ALERTS and ALERTS_FOR_STATE series written. nil: recording rules
	// are skipped.
	Appender func() Appender
	// NoPushdown sends rules' queries as written, without the condition
	// filters of rules.Rule.PushedQuery.
	NoPushdown bool
	// NoBatching sends one query per rule (and per distinct query of a
	// group evaluation) instead of uniting a group's queries in as few
	// requests as their answers allow (see batch.go).
	NoBatching bool
	// EvalHistory is how many evaluations of each rule are kept for the
	// API (DefaultEvalHistory when 0; negative keeps none).
	EvalHistory int
	// StoreStatus stores each group's evaluation status (rule health, last
	// evaluation) with its batch, for replicas that do not evaluate and
	// read it from a shared store.
	StoreStatus bool
	// FlapDetection is the global default of flap detection
	// (global.flap_detection); nil: off unless a group or rule sets it.
	// SetFlapDetection changes it.
	FlapDetection *rules.FlapDetection
	// Quality, when set, receives the per-rule alert-quality figures.
	Quality QualityRecorder
}

// Manager runs the rule groups and owns their alert state.
type Manager struct {
	querier         Querier
	store           state.Store
	log             *slog.Logger
	metrics         *metrics
	opts            Options
	evalOpts        *evalOptions
	queryTimeout    time.Duration
	onEvents        func()
	health          *dsHealth
	outageTolerance time.Duration
	// commitCond logs failing commits once per outage, not per group
	// evaluation.
	commitCond condlog.Condition

	mu       sync.RWMutex
	groups   []*groupRuntime
	internal *groupRuntime
	byID     map[string]*ruleRuntime
	set      *rules.Set // the rules last given to Start or Update
	ctx      context.Context
	running  bool
	ready    bool
	restored bool
	// driven: the groups are stepped by a Driver, never by loops.
	driven bool
}

// New builds a Manager. It does not start evaluating: call Start.
func New(opts Options) (*Manager, error) {
	if opts.Querier == nil || opts.Store == nil {
		return nil, errors.New("evaluator: Querier and Store are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DefaultInterval <= 0 {
		opts.DefaultInterval = time.Minute
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = 30 * time.Second
	}
	if opts.ResolvedRetention <= 0 {
		opts.ResolvedRetention = DefaultResolvedRetention
	}
	if opts.OutageTolerance <= 0 {
		opts.OutageTolerance = time.Hour
	}
	if opts.EvalHistory == 0 {
		opts.EvalHistory = DefaultEvalHistory
	}
	if opts.DatasourceDownAfter == 0 {
		opts.DatasourceDownAfter = 5 * time.Minute
	}
	ext := map[string]string{}
	for k, v := range opts.ExternalLabels {
		ext[string(k)] = string(v)
	}
	m := &Manager{
		querier:         opts.Querier,
		store:           opts.Store,
		log:             opts.Logger,
		opts:            opts,
		queryTimeout:    opts.QueryTimeout,
		onEvents:        opts.OnEvents,
		outageTolerance: opts.OutageTolerance,
		evalOpts: &evalOptions{
			externalLabels:    opts.ExternalLabels,
			externalLabelsMap: ext,
			externalURL:       opts.ExternalURL,
			generatorBase:     opts.GeneratorURLBase,
			resolvedRetention: opts.ResolvedRetention,
			evalHistory:       opts.EvalHistory,
			flapDefault:       opts.FlapDetection,
		},
	}
	m.metrics = newMetrics(opts.Registerer, m)
	m.health = &dsHealth{onChange: func(up bool) {
		if up {
			m.metrics.datasourceUp.Set(1)
		} else {
			m.metrics.datasourceUp.Set(0)
		}
	}}
	return m, nil
}

// Start restores state from the store for the given rules and starts every
// group's loop. It returns once state is restored; the loops run until ctx
// ends or Stop is called.
func (m *Manager) Start(ctx context.Context, set *rules.Set) error {
	return m.StartWith(ctx, set, m.opts.Store)
}

// StartWith is Start with the store to restore from and write to until
// Stop: a leader passes its leadership term's fenced view of the store, so
// that nothing this Manager does after the term ended is stored. A Manager
// can be started again after Stop (leadership regained), with the same
// store or another; it restores from the store each time.
func (m *Manager) StartWith(ctx context.Context, set *rules.Set, st state.Store) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running || m.driven {
		return errors.New("evaluator: already started")
	}
	if st == nil {
		return errors.New("evaluator: no store")
	}
	m.store = st
	m.set = set
	groups := m.build(set)
	internal := m.buildInternal()
	all := groups[:len(groups):len(groups)]
	if internal != nil {
		all = append(all, internal)
	}
	if err := m.restore(ctx, all, time.Now()); err != nil {
		return err
	}
	m.ctx = ctx
	m.groups = groups
	m.internal = internal
	for _, g := range m.groups {
		m.startGroup(ctx, g)
	}
	if m.internal != nil {
		m.startGroup(ctx, m.internal)
	}
	m.indexRules()
	m.running, m.ready = true, true
	return nil
}

// Ready reports whether rules are loaded and state restored.
func (m *Manager) Ready() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.ready
}

// Stop ends every group's loop and waits for evaluations in flight. It
// writes nothing, and forgets the alerts it held: the store has them, and
// a replica that stopped evaluating (one that lost its leadership) shows
// the rules without live state until Start restores it.
func (m *Manager) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, g := range m.allGroups() {
		g.stop()
	}
	if m.running {
		m.saveMarks()
	}
	if m.running && m.set != nil {
		m.define(m.set)
	}
	m.running, m.ready = false, false
}

// define holds set's groups without running them or restoring their state:
// their definitions are what a replica that does not evaluate shows.
// Callers hold m.mu.
func (m *Manager) define(set *rules.Set) {
	m.set = set
	m.groups = m.build(set)
	m.internal = m.buildInternal()
}

// SetFlapDetection changes the global default of flap detection; the
// next Update (a reload) applies it.
func (m *Manager) SetFlapDetection(f *rules.FlapDetection) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evalOpts.flapDefault = f
}

// Update swaps in a new rule set (a reload). State of rules whose ID is in
// both sets is kept; alerts of removed rules are resolved and forgotten.
// Groups' loops restart, keeping their phase within the interval. On a
// Manager that is not running it only replaces the rules it shows (and
// will Start with), writing nothing.
func (m *Manager) Update(ctx context.Context, set *rules.Set) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.running {
		m.define(set)
		return nil
	}
	m.set = set
	newGroups := m.build(set)
	for _, g := range m.groups {
		g.stop()
	}
	old := map[string]*ruleRuntime{}
	oldGroup := map[string]string{}
	for _, g := range m.groups {
		for _, rt := range g.rules {
			old[rt.rule.ID] = rt
			oldGroup[rt.rule.ID] = g.key
		}
	}
	for _, g := range newGroups {
		for _, rt := range g.rules {
			prev := old[rt.rule.ID]
			if prev == nil {
				continue
			}
			delete(old, rt.rule.ID)
			rt.states = prev.states
			rt.emitted = prev.emitted
			rt.health, rt.lastError, rt.lastEval, rt.evalDur = prev.health, prev.lastError, prev.lastEval, prev.evalDur
			rt.history = prev.history.resize(m.evalOpts.evalHistory)
			rt.episodes = prev.episodes
		}
	}
	batch := &state.Batch{Group: "reload"}
	now := time.Now()
	if m.opts.Appender != nil && len(old) > 0 {
		// The series of removed rules end now, as in Prometheus.
		app := m.opts.Appender()
		for _, rt := range old {
			rt.markStale(app, now.UnixMilli())
		}
		_ = app.Commit(ctx, false)
	}
	for id, rt := range old {
		res := dropAll(rt.states, now)
		batch.Episodes = append(batch.Episodes, rt.trackEpisodes(oldGroup[id], res.Events)...)
		rt.addExternalLabels(res.Events)
		batch.Deletes = append(batch.Deletes, res.Deleted...)
		batch.Events = append(batch.Events, res.Events...)
	}
	if !batch.Empty() {
		if err := m.store.Commit(ctx, batch); err != nil {
			m.log.Error("storing the alerts of removed rules failed", "err", err)
		} else {
			m.recordQuality(batch)
			if len(batch.Events) > 0 && m.onEvents != nil {
				m.onEvents()
			}
		}
	}
	keep := map[string]bool{}
	for _, g := range newGroups {
		keep[g.key] = true
	}
	for _, g := range m.groups {
		if !keep[g.key] {
			m.metrics.dropGroup(g.key)
		}
	}
	m.groups = newGroups
	m.indexRules()
	for _, g := range m.groups {
		m.startGroup(m.ctx, g)
	}
	return nil
}

func (m *Manager) allGroups() []*groupRuntime {
	gs := append([]*groupRuntime(nil), m.groups...)
	if m.internal != nil {
		gs = append(gs, m.internal)
	}
	return gs
}

func (m *Manager) build(set *rules.Set) []*groupRuntime {
	var out []*groupRuntime
	for _, g := range set.Groups {
		gr := &groupRuntime{g: g, key: g.Key(), m: m}
		gr.log = m.log.With("group", g.Name, "file", g.File)
		gr.interval = g.Interval
		if gr.interval <= 0 {
			gr.interval = m.opts.DefaultInterval
		}
		gr.queryOffset = m.opts.DefaultQueryOffset
		if g.QueryOffset != nil {
			gr.queryOffset = *g.QueryOffset
		}
		if g.Cron != nil {
			gr.sched = cronSchedule{c: g.Cron}
			gr.interval = 0
		} else {
			gr.sched = newIntervalSchedule(gr.key, gr.interval)
		}
		var records []string
		for _, r := range g.Rules {
			rt := newRuleRuntime(r, g.Limit, g.FlapDetection, m.evalOpts)
			for _, rec := range records {
				if r.MayRead(rec) {
					rt.waitForRecords = true
					break
				}
			}
			if !r.IsAlerting() {
				records = append(records, r.Record)
			}
			gr.rules = append(gr.rules, rt)
		}
		out = append(out, gr)
	}
	return out
}

func (m *Manager) startGroup(ctx context.Context, g *groupRuntime) {
	m.metrics.initGroup(g)
	gctx, cancel := context.WithCancel(ctx)
	g.cancel, g.done = cancel, make(chan struct{})
	next := g.sched.first(time.Now())
	g.due.Store(next.UnixNano())
	go g.run(gctx, next)
}

func (g *groupRuntime) stop() {
	if g.cancel == nil {
		return
	}
	g.cancel()
	<-g.done
	g.cancel = nil
}

// restore loads persisted alerts into the rules they belong to. Alerts of
// rules that no longer exist are resolved and forgotten (pushed alerts,
// which belong to no rule, are left alone); pending alerts of
// a group that was not evaluated for longer than the outage tolerance start
// over, as in Prometheus, while firing ones always stay firing.
func (m *Manager) restore(ctx context.Context, groups []*groupRuntime, now time.Time) error {
	alerts, err := m.store.LoadAlerts(ctx)
	if err != nil {
		return fmt.Errorf("loading alert state: %w", err)
	}
	marks, err := m.store.LoadGroupMarks(ctx)
	if err != nil {
		return fmt.Errorf("loading group marks: %w", err)
	}
	lastEval := map[string]time.Time{}
	for _, mk := range marks {
		lastEval[mk.Group] = mk.LastEvalAt
	}
	byID := map[string]*ruleRuntime{}
	groupOf := map[string]*groupRuntime{}
	for _, g := range groups {
		for _, rt := range g.rules {
			byID[rt.rule.ID] = rt
			groupOf[rt.rule.ID] = g
		}
	}
	batch := &state.Batch{Group: "restore"}
	restored := 0
	for _, a := range alerts {
		if a.Key.Pushed() {
			continue // not a rule's: package ingest owns pushed alerts
		}
		rt := byID[a.Key.RuleID]
		if rt == nil {
			if ev := forget(a, now, true); ev != nil {
				batch.Events = append(batch.Events, ev)
				if !a.FiredAt.IsZero() {
					batch.Episodes = append(batch.Episodes, state.Episode{RuleID: a.Key.RuleID, Alertname: string(a.Labels[model.AlertNameLabel]),
						ID: a.Key.ID, Labels: a.Labels, FiredAt: a.FiredAt, ResolvedAt: a.ResolvedAt, Evaluations: -1})
				}
			}
			batch.Deletes = append(batch.Deletes, a.Key)
			continue
		}
		g := groupOf[rt.rule.ID]
		if a.State == alert.StatePending {
			last := lastEval[g.key]
			if last.IsZero() || now.Sub(last) > m.outageTolerance {
				if !lapse(a, now, rt.params.Flap, rt.params.ResolvedRetention) {
					batch.Deletes = append(batch.Deletes, a.Key)
					continue
				}
				// Its flap history must outlive the pending alert: it
				// goes back to the resolved record it came from.
				batch.Upserts = append(batch.Upserts, a)
			}
		}
		if a.State == alert.StateFiring && g.interval > 0 && !a.FiredAt.IsZero() {
			// Its episode goes on: count its evaluations from when it
			// fired, as if alerter had evaluated all along.
			rt.episodes.Resume(a, int64(now.Sub(a.FiredAt)/g.interval))
		}
		rt.states[a.Key.ID] = a
		restored++
		if a.Key.RuleID == internalRuleID && a.State != alert.StateInactive && m.opts.DatasourceDownAfter > 0 {
			// The datasource was failing when this state was stored:
			// it still is until a query succeeds, so the alert does not
			// resolve at the first evaluation after a restart or a
			// failover and fire again later.
			m.health.seed(a.ActiveAt.Add(-m.opts.DatasourceDownAfter))
		}
	}
	if !batch.Empty() {
		if err := m.store.Commit(ctx, batch); err != nil {
			return fmt.Errorf("storing restore results: %w", err)
		}
		if len(batch.Events) > 0 && m.onEvents != nil {
			m.onEvents()
		}
	}
	m.log.Info("alert state restored", "alerts", restored, "dropped", len(batch.Deletes))
	return nil
}

// countAlerts counts alerts in a state, for the alerter_alerts gauge.
func (m *Manager) countAlerts(st alert.State) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, g := range m.allGroups() {
		for _, rt := range g.rules {
			rt.mu.RLock()
			for _, a := range rt.states {
				if a.State == st {
					n++
				}
			}
			rt.mu.RUnlock()
		}
	}
	return n
}

// countFlapping counts flapping alerts, for the alerter_alerts_flapping
// gauge.
func (m *Manager) countFlapping() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, g := range m.allGroups() {
		for _, rt := range g.rules {
			rt.mu.RLock()
			for _, a := range rt.states {
				if a.Flapping() {
					n++
				}
			}
			rt.mu.RUnlock()
		}
	}
	return n
}
