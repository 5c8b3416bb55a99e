package evaluator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/state"
)

// groupRuntime is one rule group: its rules, its schedule and its loop.
type groupRuntime struct {
	g           *rules.Group
	key         string
	rules       []*ruleRuntime
	interval    time.Duration
	queryOffset time.Duration
	sched       schedule
	m           *Manager
	log         *slog.Logger

	mu       sync.RWMutex
	lastEval time.Time
	evalDur  time.Duration

	// evalFunc replaces query-and-evaluate for the internal group.
	evalFunc func(ctx context.Context, g *groupRuntime, ts time.Time, batch *state.Batch)

	// pending holds a batch whose commit failed, to be merged into the next.
	pending *state.Batch
	// markStored and statusStored are the group mark and status last
	// written; markUnsaved is a later mark (with status) not yet written
	// (see marks.go).
	markStored   time.Time
	statusStored *state.GroupStatus
	markUnsaved  *state.Batch

	// results keeps, per query, the Vector its answers are decoded into,
	// reused every evaluation (a group never runs twice at once).
	results map[string]*Vector
	// batch is the state of query batching (batch.go).
	batch batcher

	cancel context.CancelFunc
	done   chan struct{}
	// due is the slot (Unix nanoseconds) the loop evaluates or waits for;
	// every earlier slot's evaluation is stored (see EvaluatedBefore).
	due atomic.Int64
}

// run evaluates the group on its schedule until ctx ends. A group never
// runs twice at once: the next slot is chosen after an evaluation ends, and
// slots that passed meanwhile are counted as missed.
func (g *groupRuntime) run(ctx context.Context, next time.Time) {
	defer close(g.done)
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		g.Eval(ctx, next)
		var missed int
		next, missed = g.sched.next(next, time.Now())
		g.due.Store(next.UnixNano())
		if g.m.opts.OnEvaluated != nil {
			g.m.opts.OnEvaluated()
		}
		g.m.metrics.iterations.WithLabelValues(g.key).Inc()
		if missed > 0 {
			g.m.metrics.missed.WithLabelValues(g.key).Add(float64(missed))
			g.m.metrics.iterations.WithLabelValues(g.key).Add(float64(missed))
			g.log.Warn("evaluation took longer than the interval, skipped iterations", "missed", missed)
		}
		timer.Reset(time.Until(next))
	}
}

// Eval evaluates every rule of the group at ts and commits what changed in
// one transaction. A rule whose query fails keeps its state untouched.
func (g *groupRuntime) Eval(ctx context.Context, ts time.Time) {
	g.evalObserved(ctx, ts, nil)
}

// evalObserved is Eval, calling observe (when not nil) after each rule in
// the group's order, recording rules included, before the batch is
// committed.
func (g *groupRuntime) evalObserved(ctx context.Context, ts time.Time, observe func(*RuleEval)) {
	start := time.Now()
	batch := &state.Batch{Group: g.key, EvaluatedAt: ts}
	if g.evalFunc != nil {
		g.evalFunc(ctx, g, ts, batch)
	} else {
		g.evalRules(ctx, ts, batch, observe)
	}
	if g.m.opts.StoreStatus {
		batch.Status = g.status(ts, time.Since(start))
	}
	g.commit(ctx, batch)
	dur := time.Since(start)
	g.mu.Lock()
	g.lastEval, g.evalDur = ts, dur
	g.mu.Unlock()
	g.m.metrics.groupDuration.WithLabelValues(g.key).Set(dur.Seconds())
	g.m.metrics.groupLastEval.WithLabelValues(g.key).Set(float64(ts.UnixNano()) / 1e9)
}

// evalRules evaluates the group's rules in order. With remote write
// configured (Options.Appender), recording rules record and alerting rules
// write ALERTS and ALERTS_FOR_STATE; without it recording rules are
// skipped. As in Prometheus, a rule sees what the recording rules before
// it in the group recorded in this very evaluation: alerter's datasource
// sees a sample once it is written, so before a rule whose query may read
// a metric recorded earlier in this evaluation (rules.Rule.MayRead), the
// samples so far are written and waited for (bounded by the query
// timeout), and answers shared before that are not reused. If they cannot
// be written in time, that rule is not evaluated: its state is frozen and
// its health says why, as for a failing query.
func (g *groupRuntime) evalRules(ctx context.Context, ts time.Time, batch *state.Batch, observe func(*RuleEval)) {
	var app Appender
	if g.m.opts.Appender != nil {
		app = g.m.opts.Appender()
	}
	shared := map[string]queryResult{}
	tried := map[string]bool{} // queries already tried in a batch
	noBatchBefore := 0         // no batch can start before this rule
	defer g.learnFromBatches(ctx)
	recorded := false // samples of this evaluation's recording rules are not yet written
	t := ts.Add(-g.queryOffset).UnixMilli()
	for i, rt := range g.rules {
		if app == nil && !rt.rule.IsAlerting() {
			if observe != nil {
				observe(&RuleEval{Rule: rt.rule, TS: ts})
			}
			continue
		}
		if recorded && rt.waitForRecords {
			wctx, cancel := context.WithTimeout(ctx, g.m.queryTimeout)
			err := app.Commit(wctx, true)
			cancel()
			if ctx.Err() != nil {
				return
			}
			recorded = false
			clear(shared)
			clear(tried)
			noBatchBefore = 0
			if err != nil {
				rt.episodes.Evaluated()
				g.m.metrics.ruleEvalFailures.WithLabelValues(g.key).Inc()
				err = fmt.Errorf("the series it reads from earlier recording rules of its group were not written: %w", err)
				rt.setHealth(Evaluation{At: ts, Samples: -1, Active: -1}, err)
				g.log.Warn("recorded series not written; rule not evaluated, alert state frozen", "rule", rt.rule.Name(), "err", err)
				if observe != nil {
					observe(&RuleEval{Rule: rt.rule, TS: ts, Err: err, rt: rt})
				}
				continue
			}
		}
		if _, done := shared[rt.queryKey()]; !done && !tried[rt.queryKey()] && i >= noBatchBefore {
			noBatchBefore = i + g.prefetch(ctx, g.rules[i:], ts, shared, tried, app != nil)
		}
		if !rt.rule.IsAlerting() {
			g.evalRecording(ctx, rt, ts, app, shared)
			recorded = true
			if observe != nil {
				observe(&RuleEval{Rule: rt.rule, TS: ts})
			}
			continue
		}
		res, err := g.evalRule(ctx, rt, ts, batch, shared)
		var limitErr *LimitError
		if moved := err == nil || errors.As(err, &limitErr); moved && app != nil {
			rt.appendAlertSeries(app, t)
		}
		if observe != nil {
			observe(&RuleEval{Rule: rt.rule, TS: ts, Result: res, Err: err, rt: rt})
		}
	}
	if app != nil {
		if err := app.Commit(ctx, false); err != nil {
			g.log.Warn("queueing samples for remote write failed", "err", err)
		}
	}
}

// queryResult is one query's answer, shared by the rules of a group that
// ask the same question in the same evaluation. A batched answer (see
// batch.go) was fetched for them all; dur is its share of the batch's
// time, counted once.
type queryResult struct {
	vec     *Vector
	err     error
	batched bool
	dur     time.Duration
}

// resultVector is the Vector that answers to the query with key are
// decoded into, reused every evaluation.
func (g *groupRuntime) resultVector(key string) *Vector {
	if g.results == nil {
		g.results = map[string]*Vector{}
	}
	vec := g.results[key]
	if vec == nil {
		vec = &Vector{}
		g.results[key] = vec
	}
	return vec
}

// query runs the rule's query (as pushed down, see rules.Rule.SentQuery),
// or reuses the answer of an earlier rule of this evaluation whose query
// has the same canonical form, or of a batch. It returns the share of a
// batch's time spent on the rule's behalf, for a batched answer's first
// reader (the time of a query of its own is the caller's to measure).
func (g *groupRuntime) query(ctx context.Context, rt *ruleRuntime, ts time.Time, shared map[string]queryResult) (*Vector, time.Duration, error) {
	met := g.m.metrics
	key := rt.queryKey()
	if r, ok := shared[key]; ok {
		if r.batched {
			// The first rule to read a batched answer did not save a query;
			// the ones after it did, as for any shared answer.
			shared[key] = queryResult{vec: r.vec, err: r.err}
			return r.vec, r.dur, r.err
		}
		met.queriesSaved.Inc()
		return r.vec, 0, r.err
	}
	vec := g.resultVector(key)
	start := time.Now()
	qctx, cancel := context.WithTimeout(ctx, g.m.queryTimeout)
	err := g.m.querier.Query(qctx, g.sentQuery(rt), ts.Add(-g.queryOffset), vec)
	cancel()
	dur := time.Since(start)
	met.queries.Inc()
	met.queryDuration.Observe(dur.Seconds())
	if ctx.Err() == nil {
		shared[key] = queryResult{vec: vec, err: err}
		g.batch.answered(key, len(vec.Samples), err)
	}
	return vec, 0, err
}

// sentQuery is the query sent for the rule: pushed down unless
// Options.NoPushdown.
func (g *groupRuntime) sentQuery(rt *ruleRuntime) string {
	if g.m.opts.NoPushdown {
		return rt.rule.Query
	}
	return rt.rule.SentQuery()
}

// evalRule evaluates one rule and adds what changed to batch. It returns
// the state machine's result and the error that froze (or, for a
// LimitError, dropped) the rule's alerts.
func (g *groupRuntime) evalRule(ctx context.Context, rt *ruleRuntime, ts time.Time, batch *state.Batch, shared map[string]queryResult) (StepResult, error) {
	start := time.Now()
	met := g.m.metrics
	met.ruleEvals.WithLabelValues(g.key).Inc()
	rt.episodes.Evaluated()
	vec, batched, err := g.query(ctx, rt, ts, shared)
	since := func() time.Duration { return time.Since(start) + batched }
	if err != nil {
		met.ruleEvalFailures.WithLabelValues(g.key).Inc()
		if ctx.Err() != nil {
			return StepResult{}, err // shutting down: not the datasource's fault
		}
		unavailable := IsUnavailable(err)
		reason := "rule"
		if unavailable {
			reason = "unavailable"
		}
		met.queryFailures.WithLabelValues(reason).Inc()
		g.m.health.observe(ts, err, unavailable)
		rt.setHealth(Evaluation{At: ts, Duration: since(), Samples: -1, Active: -1}, err)
		g.log.Warn("query failed, alert state frozen", "rule", rt.rule.Name(), "err", err)
		return StepResult{}, err
	}
	g.m.health.observe(ts, nil, false)
	res, err := rt.evaluate(ctx, vec, ts, g.m.querier)
	var limitErr *LimitError
	if err != nil && !errors.As(err, &limitErr) {
		met.ruleEvalFailures.WithLabelValues(g.key).Inc()
		rt.setHealth(Evaluation{At: ts, Duration: since(), Samples: len(vec.Samples), Active: -1}, err)
		g.log.Warn("rule evaluation failed, alert state frozen", "rule", rt.rule.Name(), "err", err)
		return StepResult{}, err
	}
	batch.Upserts = append(batch.Upserts, res.Changed...)
	batch.Deletes = append(batch.Deletes, res.Deleted...)
	batch.Events = append(batch.Events, res.Events...)
	batch.Episodes = append(batch.Episodes, rt.trackEpisodes(g.key, res.Events)...)
	if err != nil {
		met.ruleEvalFailures.WithLabelValues(g.key).Inc()
		g.log.Warn("rule exceeded its limit, alerts dropped", "rule", rt.rule.Name(), "err", err)
	}
	rt.setHealth(Evaluation{At: ts, Duration: since(), Samples: len(vec.Samples), Active: res.Active}, err)
	return res, err
}

// commitTimeout bounds storing one evaluation's results, plus
// commitTimeoutPerRow for each alert and event of the batch: a storm's
// 100,000 new alerts and their events take seconds to write, and a commit
// that timed out would be retried, merged with the next evaluation's, and
// time out again.
const (
	commitTimeout       = 5 * time.Second
	commitTimeoutPerRow = 100 * time.Microsecond
)

// commitDeadline is how long committing b may take.
func commitDeadline(b *state.Batch) time.Duration {
	return commitTimeout + time.Duration(len(b.Upserts)+len(b.Deletes)+len(b.Events))*commitTimeoutPerRow
}

// commit stores the batch; if that fails the batch is kept and merged into
// the next one, so no transition or event is lost while the store is down.
func (g *groupRuntime) commit(ctx context.Context, b *state.Batch) {
	if g.pending != nil {
		b = mergeBatches(g.pending, b)
		g.pending = nil
	}
	if b.Empty() && b.EvaluatedAt.IsZero() {
		return
	}
	if g.markCanWait(b) {
		g.markUnsaved = b
		return
	}
	// An evaluation that ran to its end is stored even if a shutdown or
	// the end of the leadership term began meanwhile: Stop waits for it,
	// and a term that is over is refused by the store anyway.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitDeadline(b))
	defer cancel()
	if err := g.m.store.Commit(cctx, b); err != nil {
		g.m.metrics.commitFailures.Inc()
		if errors.Is(err, state.ErrFenced) {
			// Another replica leads now: what this one evaluated is not
			// its to store, and its loops are about to stop.
			g.m.commitCond.Fail(g.log, slog.LevelWarn, "evaluation results not stored: this replica is no longer the leader", "err", err)
			return
		}
		if ctx.Err() != nil {
			return // stopping: the next leader (or start) evaluates again
		}
		g.m.commitCond.Fail(g.log, slog.LevelError, "storing evaluation results failed; will retry with the next evaluation", "err", err)
		g.pending = snapshotBatch(b)
		return
	}
	g.m.commitCond.OK(g.m.log, "storing evaluation results works again")
	g.stored(b)
	g.m.recordQuality(b)
	if len(b.Events) > 0 && g.m.onEvents != nil {
		g.m.onEvents()
	}
}

// snapshotBatch copies the alerts of a failed batch, since the live ones
// keep changing until the retry.
func snapshotBatch(b *state.Batch) *state.Batch {
	c := &state.Batch{Group: b.Group, EvaluatedAt: b.EvaluatedAt, Deletes: b.Deletes, Events: b.Events, Status: b.Status,
		Episodes: b.Episodes}
	for _, a := range b.Upserts {
		c.Upserts = append(c.Upserts, a.Clone())
	}
	return c
}

// mergeBatches folds a later batch into an earlier failed one: the latest
// record of each alert wins, deletes and upserts cancel in order, and events
// keep their order.
func mergeBatches(old, cur *state.Batch) *state.Batch {
	latest := map[alert.Key]*alert.Alert{}
	deleted := map[alert.Key]bool{}
	apply := func(b *state.Batch) {
		for _, a := range b.Upserts {
			latest[a.Key] = a
			delete(deleted, a.Key)
		}
		for _, k := range b.Deletes {
			deleted[k] = true
			delete(latest, k)
		}
	}
	apply(old)
	apply(cur)
	m := &state.Batch{Group: cur.Group, EvaluatedAt: cur.EvaluatedAt, Status: cur.Status}
	for _, a := range latest {
		m.Upserts = append(m.Upserts, a)
	}
	for k := range deleted {
		m.Deletes = append(m.Deletes, k)
	}
	m.Events = append(append(m.Events, old.Events...), cur.Events...)
	m.Episodes = append(append(m.Episodes, old.Episodes...), cur.Episodes...)
	return m
}

// status is the group's evaluation at ts as stored for the replicas that
// do not evaluate: how long it took, and each rule's health.
func (g *groupRuntime) status(ts time.Time, dur time.Duration) *state.GroupStatus {
	st := &state.GroupStatus{Group: g.key, LastEval: ts, EvalDuration: dur, Rules: make([]state.RuleStatus, 0, len(g.rules))}
	for _, rt := range g.rules {
		rt.mu.RLock()
		st.Rules = append(st.Rules, state.RuleStatus{RuleID: rt.rule.ID, Health: string(rt.health), LastError: rt.lastError,
			LastEval: rt.lastEval, EvalDuration: rt.evalDur})
		rt.mu.RUnlock()
	}
	return st
}

// setHealth records an evaluation's outcome: the rule's health and last
// error, and the evaluation in its history.
func (rt *ruleRuntime) setHealth(ev Evaluation, err error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.lastEval, rt.evalDur = ev.At, ev.Duration
	if err != nil {
		rt.health, rt.lastError = HealthErr, err.Error()
		ev.Error = rt.lastError
	} else {
		rt.health, rt.lastError = HealthOK, ""
	}
	rt.history.add(ev)
}
