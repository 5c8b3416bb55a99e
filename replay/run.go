package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/datasource"
	"github.com/alerter/alerter/episode"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/internal/sim"
	"github.com/alerter/alerter/rules"
)

// DefaultChunkPoints is how many evaluations of a group one range query
// covers: well under Prometheus's 11,000 points per series, and small
// enough that a chunk of a few thousand series stays a few megabytes.
const DefaultChunkPoints = 720

// DefaultMaxAlertsPerRule bounds the alerts a rule reports one by one.
const DefaultMaxAlertsPerRule = 1000

// RuleSet is one version of the rules to replay.
type RuleSet struct {
	// Name says which files these are, for the report.
	Name string
	Set  *rules.Set
}

// Options configure Run.
type Options struct {
	Source   Source
	From, To time.Time
	// Step, when set, evaluates every group every Step from From instead
	// of on its own interval or schedule.
	Step time.Duration
	// Config supplies the evaluation defaults (evaluation_interval,
	// query_offset, external_labels) and, when Notify is set, the routing
	// tree, receivers, inhibition, escalation and storm control through
	// which notifications are counted.
	Config *config.Config
	Notify bool
	// FlapEvaluations: an episode that resolved within this many
	// evaluations of firing is a flap (episode.DefaultFlapEvaluations).
	FlapEvaluations int
	// ChunkPoints is how many evaluations of a group each range query
	// covers (DefaultChunkPoints, at most datasource.MaxPointsPerSeries).
	ChunkPoints int
	// MaxAlertsPerRule bounds the alerts reported one by one per rule
	// (DefaultMaxAlertsPerRule); the others count in the rule's figures.
	MaxAlertsPerRule int
	// Timeline, when set, receives every alert transition as CSV.
	Timeline io.Writer
	// Plot, when set, draws one rule of the first rule set.
	Plot *PlotOptions
	// Progress, when set, is called after each chunk with how much of the
	// range is done.
	Progress func(done, total time.Duration)
	Logger   *slog.Logger

	// afterChunk is called after each chunk (memory tests).
	afterChunk func()
}

// Run replays one rule set, or two to compare, over [From, To].
func Run(ctx context.Context, sets []RuleSet, o Options) (*Report, error) {
	if err := o.defaults(len(sets)); err != nil {
		return nil, err
	}
	rep := &Report{Version: ReportVersion, From: o.From.UTC(), To: o.To.UTC(), StepSeconds: o.Step.Seconds(),
		FlapEvaluations: o.FlapEvaluations, Notifications: o.Notify}
	var tl *timelineWriter
	if o.Timeline != nil {
		tl = newTimelineWriter(o.Timeline)
	}
	var runs []*run
	for i, rs := range sets {
		r, err := newRun(ctx, rs, o, tl, i == 0)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	if o.Plot != nil && runs[0].acc.plot == nil {
		return nil, fmt.Errorf("--plot: no alerting rule %q in %s", o.Plot.Rule, sets[0].Name)
	}
	if err := replayChunks(ctx, runs, o); err != nil {
		return nil, err
	}
	for _, r := range runs {
		if r.pipe != nil {
			r.pipe.RunBefore(ctx, o.To.Add(time.Nanosecond))
			if err := r.pipe.Err(); err != nil {
				return nil, err
			}
		}
		for id, ra := range r.acc.rules {
			ra.hadData = r.q.returned[r.queries[id]]
		}
		rep.Runs = append(rep.Runs, r.acc.report())
	}
	if err := tl.flush(); err != nil {
		return nil, fmt.Errorf("writing the timeline: %w", err)
	}
	if o.Plot != nil {
		if err := runs[0].acc.plot.render(o.Plot.Out); err != nil {
			return nil, fmt.Errorf("writing the plot: %w", err)
		}
	}
	if len(rep.Runs) == 2 {
		rep.Comparison = compare(rep.Runs[0], rep.Runs[1])
	}
	return rep, nil
}

func (o *Options) defaults(sets int) error {
	switch {
	case o.Source == nil:
		return errors.New("replay: no source")
	case sets < 1 || sets > 2:
		return errors.New("replay: one rule set, or two to compare")
	case !o.To.After(o.From):
		return fmt.Errorf("the range is empty: --to (%s) must be after --from (%s)", o.To.UTC().Format(time.RFC3339), o.From.UTC().Format(time.RFC3339))
	case o.Step < 0:
		return errors.New("--step must be positive")
	case o.ChunkPoints > datasource.MaxPointsPerSeries:
		return fmt.Errorf("--chunk-points: at most %d (Prometheus's limit per series)", datasource.MaxPointsPerSeries)
	}
	if o.Config == nil {
		o.Config = config.Default()
	}
	if o.FlapEvaluations <= 0 {
		o.FlapEvaluations = episode.DefaultFlapEvaluations
	}
	if o.ChunkPoints <= 0 {
		o.ChunkPoints = DefaultChunkPoints
	}
	if o.MaxAlertsPerRule <= 0 {
		o.MaxAlertsPerRule = DefaultMaxAlertsPerRule
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// run is one rule set's simulation: its own evaluator, store, pipeline and
// accumulators, fed the same history as the other.
type run struct {
	drv     *evaluator.Driver
	groups  []evaluator.DriverGroup
	sched   []schedule
	q       *chunkQuerier
	pipe    *sim.Pipeline
	acc     *runAcc
	queries map[string]string // rule ID -> query
}

// schedule is when one group evaluates: every step from start, or on its
// cron schedule (cron true), when range queries cannot serve it.
type schedule struct {
	start time.Time
	step  time.Duration
	cron  bool
}

func newRun(ctx context.Context, rs RuleSet, o Options, tl *timelineWriter, first bool) (*run, error) {
	cfg := o.Config
	store := sim.NewStore()
	q := newChunkQuerier(o.Source)
	ext := model.LabelSet{}
	for k, v := range cfg.Global.ExternalLabels {
		ext[model.LabelName(k)] = model.LabelValue(v)
	}
	mgr, err := evaluator.New(evaluator.Options{
		Querier:             q,
		Store:               store,
		Logger:              o.Logger,
		DefaultInterval:     time.Duration(cfg.Global.EvaluationInterval),
		DefaultQueryOffset:  time.Duration(cfg.Global.QueryOffset),
		ExternalLabels:      ext,
		ExternalURL:         cfg.Global.ExternalURL,
		ResolvedRetention:   time.Duration(cfg.Global.ResolvedRetention),
		FlapDetection:       cfg.Global.FlapDetection.Rules(),
		DatasourceDownAfter: -1,
		// History is read per rule query with query_range: each rule
		// asks for its own query, unbatched and as written (which gives
		// the same alerts: batching and pushdown are exact).
		NoBatching: true,
		NoPushdown: true,
	})
	if err != nil {
		return nil, err
	}
	r := &run{q: q, acc: newRunAcc(rs.Name, o.From, o.To, o.FlapEvaluations, o.MaxAlertsPerRule), queries: map[string]string{}}
	r.acc.timeline = tl
	if o.Notify {
		r.pipe, err = sim.NewPipeline(sim.PipelineOptions{Config: cfg, Store: store, Logger: o.Logger, OnNotification: r.acc.notify})
		if err != nil {
			return nil, err
		}
		if err := r.pipe.Start(ctx, o.From); err != nil {
			return nil, err
		}
	}
	if r.drv, err = mgr.Drive(ctx, rs.Set, o.From); err != nil {
		return nil, err
	}
	r.groups = r.drv.Groups()
	for i, g := range r.groups {
		var s schedule
		switch {
		case o.Step > 0:
			s = schedule{start: o.From, step: o.Step}
		case g.Interval > 0:
			s = schedule{start: r.drv.Next(i, o.From.Add(-time.Nanosecond)), step: g.Interval}
		default:
			s = schedule{cron: true}
		}
		r.sched = append(r.sched, s)
		for _, rule := range g.Group.Rules {
			if !rule.IsAlerting() {
				continue
			}
			r.acc.addRule(g, rule.ID, rule.Alert, rule.Query, len(rule.Severities) > 0)
			r.queries[rule.ID] = rule.Query
			if first && o.Plot != nil && r.acc.plot == nil && o.Plot.matches(g.Group.Name, rule.Alert) {
				iv := s.step
				if iv == 0 {
					iv = time.Minute
				}
				r.acc.plot = newPlotAcc(o.Plot, rule, g, o.From, o.To, iv)
			}
		}
	}
	return r, nil
}

// evalAt is one evaluation of one group.
type evalAt struct {
	ts    time.Time
	group int
}

// replayChunks walks the range a chunk at a time: it fetches what every
// group of every run evaluates in the chunk, then steps each run through
// it in time order.
func replayChunks(ctx context.Context, runs []*run, o Options) error {
	minStep := time.Duration(0)
	for _, r := range runs {
		for _, s := range r.sched {
			if !s.cron && (minStep == 0 || s.step < minStep) {
				minStep = s.step
			}
		}
	}
	chunk := o.To.Sub(o.From) + time.Nanosecond
	if minStep > 0 {
		chunk = min(chunk, minStep*time.Duration(o.ChunkPoints))
	}
	end := o.To.Add(time.Nanosecond) // To itself is evaluated
	for cs := o.From; cs.Before(end); cs = cs.Add(chunk) {
		ce := cs.Add(chunk)
		if ce.After(end) {
			ce = end
		}
		fetched, err := fetchChunk(ctx, runs, o, cs, ce)
		if err != nil {
			return err
		}
		for _, r := range runs {
			r.q.set(fetched)
			if p := r.acc.plot; p != nil {
				p.addChunk(fetched)
			}
			for _, e := range r.evaluations(cs, ce) {
				if err := ctx.Err(); err != nil {
					return err
				}
				if r.pipe != nil {
					r.pipe.RunBefore(ctx, e.ts)
				}
				r.drv.Eval(ctx, e.group, e.ts, r.acc.observe)
				if r.pipe != nil {
					r.pipe.Step(ctx, e.ts)
				}
			}
			r.q.set(nil)
		}
		if o.Progress != nil {
			o.Progress(min(ce.Sub(o.From), o.To.Sub(o.From)), o.To.Sub(o.From))
		}
		if o.afterChunk != nil {
			o.afterChunk()
		}
	}
	return nil
}

// times returns the periodic schedule's evaluation times in [cs, ce): the
// first one and how many.
func (s schedule) times(cs, ce time.Time) (time.Time, int) {
	first := s.start
	if first.Before(cs) {
		k := (cs.Sub(first) + s.step - 1) / s.step
		first = first.Add(k * s.step)
	}
	if !first.Before(ce) {
		return first, 0
	}
	return first, int((ce.Sub(first)-1)/s.step) + 1
}

// evaluations lists the run's evaluations in [cs, ce), in time order,
// groups in file order at equal times.
func (r *run) evaluations(cs, ce time.Time) []evalAt {
	var out []evalAt
	for i, s := range r.sched {
		if s.cron {
			for t := r.drv.Next(i, cs.Add(-time.Nanosecond)); t.Before(ce); t = r.drv.Next(i, t) {
				out = append(out, evalAt{t, i})
			}
			continue
		}
		first, n := s.times(cs, ce)
		for k := range n {
			out = append(out, evalAt{first.Add(time.Duration(k) * s.step), i})
		}
	}
	slices.SortStableFunc(out, func(a, b evalAt) int {
		if c := a.ts.Compare(b.ts); c != 0 {
			return c
		}
		return a.group - b.group
	})
	return out
}

// fetchChunk runs the range queries of every periodic group of every run
// (each distinct query once) and the plot's, for [cs, ce).
func fetchChunk(ctx context.Context, runs []*run, o Options, cs, ce time.Time) ([]*fetched, error) {
	type want struct {
		key  fetchKey
		what string
	}
	var wants []want
	seen := map[fetchKey]bool{}
	add := func(k fetchKey, what string) {
		if k.n > 0 && !seen[k] {
			seen[k] = true
			wants = append(wants, want{k, what})
		}
	}
	for _, r := range runs {
		for i, s := range r.sched {
			if s.cron {
				continue
			}
			first, n := s.times(cs, ce)
			g := r.groups[i]
			for _, rule := range g.Group.Rules {
				if rule.IsAlerting() {
					add(fetchKey{rule.Query, first.Add(-g.QueryOffset), s.step, n}, g.Group.Name+"/"+rule.Alert)
				}
			}
		}
		if p := r.acc.plot; p != nil {
			first, n := schedule{start: o.From, step: p.step}.times(cs, ce)
			add(fetchKey{p.query, first.Add(-p.offset), p.step, n}, "--plot "+p.name)
		}
	}
	out := make([]*fetched, 0, len(wants))
	for _, w := range wants {
		end := w.key.start.Add(time.Duration(w.key.n-1) * w.key.step)
		m, err := o.Source.QueryRange(ctx, w.key.query, w.key.start, end, w.key.step)
		if err != nil {
			return nil, fmt.Errorf("reading history for %s (%s) from %s to %s: %w%s", w.what, w.key.query,
				w.key.start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), err, hint(err))
		}
		out = append(out, newFetched(w.key, m))
	}
	return out, nil
}

// hint suggests what to do about a range query Prometheus refused.
func hint(err error) string {
	msg := err.Error()
	switch {
	case contains(msg, "too many samples", "query processing would load too many samples"):
		return " (lower --chunk-points so that each query loads fewer samples, or raise Prometheus's --query.max-samples)"
	case contains(msg, "exceeded maximum resolution", "11000"):
		return " (lower --chunk-points)"
	case contains(msg, "timeout", "timed out"):
		return " (lower --chunk-points so that each query does less)"
	}
	return ""
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
