package ruletest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/internal/sim"
	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/silence"
)

// epoch is the start of every test's simulated time, as in promtool.
var epoch = time.Unix(0, 0).UTC()

// groupRun runs one test group: fresh storage, evaluator state and
// notification pipeline, stepped from the epoch to the last time a test
// looks at.
type groupRun struct {
	file  *File
	tg    *TestGroup
	set   *rules.Set
	cfg   *config.Config
	order map[string]int
	opts  Options

	st     *memStorage
	input  []*inputSeries
	eng    *engine
	mgr    *evaluator.Manager
	drv    *evaluator.Driver
	groups []evaluator.DriverGroup
	// sequence is the order in which groups evaluate at one time.
	sequence []int
	writer   *ruleWriter

	pipe   *sim.Pipeline
	acks   *ack.Acks
	notifs []sim.Notification
	// The notifications before notifFrom were checked by the notification
	// test at notifCheckedAt.
	notifFrom      int
	notifCheckedAt model.Duration
	notifChecked   bool

	failures []string
}

// run runs the test group and returns its failures.
func (r *groupRun) run(ctx context.Context) []string {
	defer func() {
		if r.eng != nil {
			_ = r.eng.Close()
		}
	}()
	if err := r.setup(ctx); err != nil {
		return []string{err.Error()}
	}
	if !r.simulate(ctx) {
		return r.failures
	}
	r.checkPromQL(ctx)
	if r.pipe != nil {
		if err := r.pipe.Err(); err != nil {
			r.fail("reading back a notification: %v", err)
		}
	}
	return r.failures
}

func (r *groupRun) fail(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// setup loads the input series and builds the evaluator and, with a
// configuration, the notification pipeline.
func (r *groupRun) setup(ctx context.Context) error {
	r.st = newMemStorage()
	if err := r.loadSeries(); err != nil {
		return err
	}
	r.eng = newEngine(r.st, engineOptions{maxSamples: r.opts.MaxSamples, subqueryInterval: time.Duration(r.file.EvaluationInterval)})
	store := sim.NewStore()
	ext := model.LabelSet{}
	var extURL string
	var queryOffset, retention time.Duration
	var flapDefault *rules.FlapDetection
	if r.cfg != nil {
		for k, v := range r.cfg.Global.ExternalLabels {
			ext[model.LabelName(k)] = model.LabelValue(v)
		}
		extURL = r.cfg.Global.ExternalURL
		queryOffset = time.Duration(r.cfg.Global.QueryOffset)
		retention = time.Duration(r.cfg.Global.ResolvedRetention)
		flapDefault = r.cfg.Global.FlapDetection.Rules()
	}
	for k, v := range r.tg.ExternalLabels {
		ext[model.LabelName(k)] = model.LabelValue(v)
	}
	if r.tg.ExternalURL != "" {
		extURL = r.tg.ExternalURL
	}
	mgr, err := evaluator.New(evaluator.Options{
		Querier:             r.eng,
		Store:               store,
		Logger:              r.opts.Logger,
		DefaultInterval:     time.Duration(r.file.EvaluationInterval),
		DefaultQueryOffset:  queryOffset,
		ExternalLabels:      ext,
		ExternalURL:         extURL,
		ResolvedRetention:   retention,
		DatasourceDownAfter: -1,
		FlapDetection:       flapDefault,
	})
	if err != nil {
		return err
	}
	r.mgr = mgr
	if r.cfg != nil {
		if err := r.setupPipeline(ctx, store); err != nil {
			return err
		}
	}
	if r.drv, err = mgr.Drive(ctx, r.set, epoch); err != nil {
		return err
	}
	r.groups = r.drv.Groups()
	r.sequence = make([]int, len(r.groups))
	for i := range r.sequence {
		r.sequence[i] = i
	}
	// promtool's partial order: groups named in group_eval_order by their
	// position there, the others as if first; ties keep file order.
	sort.SliceStable(r.sequence, func(a, b int) bool {
		return r.order[r.groups[r.sequence[a]].Group.Name] < r.order[r.groups[r.sequence[b]].Group.Name]
	})
	r.writer = newRuleWriter(r.st, r.eng)
	return nil
}

// setupPipeline builds the dispatcher with the test's silences and an
// empty acknowledgement store.
func (r *groupRun) setupPipeline(ctx context.Context, store *sim.Store) error {
	sil, err := silence.New(ctx, silence.Options{Windows: r.cfg.MaintenanceWindows})
	if err != nil {
		return err
	}
	for i, s := range r.tg.Silences {
		_, err := sil.Set(ctx, &silence.Silence{
			Matchers:  s.Matchers,
			StartsAt:  epoch.Add(time.Duration(s.StartsAt)),
			EndsAt:    epoch.Add(time.Duration(s.EndsAt)),
			CreatedBy: "alerter test",
			Comment:   s.Comment,
		}, epoch)
		if err != nil {
			return fmt.Errorf("silences[%d]: %w", i, err)
		}
	}
	if r.acks, err = ack.New(ctx, ack.Options{}); err != nil {
		return err
	}
	r.pipe, err = sim.NewPipeline(sim.PipelineOptions{
		Config: r.cfg,
		Store:  store,
		Muter:  sil,
		Acks:   r.acks,
		Logger: r.opts.Logger,
		OnNotification: func(n sim.Notification) {
			r.notifs = append(r.notifs, n)
		},
	})
	if err != nil {
		return err
	}
	return r.pipe.Start(ctx, epoch)
}

// loadSeries parses the input series in promtool's notation. A series
// given twice keeps the later definition, as in promtool.
func (r *groupRun) loadSeries() error {
	p := parser.NewParser(parser.Options{})
	interval := time.Duration(r.tg.Interval).Milliseconds()
	defs := map[uint64]int{}
	var in []*inputSeries
	for i, is := range r.tg.InputSeries {
		lset, vals, err := p.ParseSeriesDesc(is.Series.Value + " " + is.Values.Value)
		if err != nil {
			return fmt.Errorf("%s:%d:%d: input_series[%d]: %v", r.file.path, is.Series.Line, is.Series.Column, i, err)
		}
		s := &inputSeries{lset: lset}
		for j, v := range vals {
			if v.Omitted {
				continue
			}
			if v.Histogram != nil {
				return fmt.Errorf("%s:%d:%d: input_series[%d]: native histograms are not supported", r.file.path, is.Values.Line, is.Values.Column, i)
			}
			s.samples = append(s.samples, sample{t: int64(j) * interval, f: v.Value})
		}
		if k, ok := defs[lset.Hash()]; ok {
			in[k] = s
			continue
		}
		defs[lset.Hash()] = len(in)
		in = append(in, s)
	}
	r.input = in
	return nil
}

// appendTill appends the input samples at or before t.
func (r *groupRun) appendTill(t time.Time) error {
	ms := t.Sub(epoch).Milliseconds()
	for _, s := range r.input {
		for s.next < len(s.samples) && s.samples[s.next].t <= ms {
			smp := s.samples[s.next]
			if err := r.st.append(s.lset, smp.t, smp.f); err != nil {
				return fmt.Errorf("input series %s: %w", s.lset, err)
			}
			s.next++
		}
	}
	return nil
}

// point is one simulated time and what happens then.
type point struct {
	at    time.Time
	steps bool // the evaluation interval ticks
	cron  []int
	acks  []TestAck
	alert []AlertTestCase
	notif []int // indexes of notification tests
}

// timeline is every time something happens, in order: evaluations (every
// evaluation interval, and the times cron-scheduled groups name),
// acknowledgements, and the checks.
func (r *groupRun) timeline() []*point {
	maxt := r.maxEvalTime()
	byTime := map[time.Time]*point{}
	at := func(t time.Time) *point {
		p := byTime[t]
		if p == nil {
			p = &point{at: t}
			byTime[t] = p
		}
		return p
	}
	step := time.Duration(r.file.EvaluationInterval)
	for d := time.Duration(0); d <= maxt; d += step {
		at(epoch.Add(d)).steps = true
	}
	for i, g := range r.groups {
		if g.Group.Cron == nil {
			continue
		}
		for t := g.Group.Cron.Next(epoch.Add(-time.Nanosecond)); !t.After(epoch.Add(maxt)); t = g.Group.Cron.Next(t) {
			p := at(t.UTC())
			p.cron = append(p.cron, i)
		}
	}
	for _, a := range r.tg.Acks {
		p := at(epoch.Add(time.Duration(a.At)))
		p.acks = append(p.acks, a)
	}
	for _, a := range r.tg.AlertRuleTests {
		p := at(epoch.Add(time.Duration(a.EvalTime)))
		p.alert = append(p.alert, a)
	}
	for i, n := range r.tg.NotifTests {
		p := at(epoch.Add(time.Duration(n.EvalTime)))
		p.notif = append(p.notif, i)
	}
	out := make([]*point, 0, len(byTime))
	for _, p := range byTime {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *point) int { return a.at.Compare(b.at) })
	return out
}

// maxEvalTime is the last time a test looks at.
func (r *groupRun) maxEvalTime() time.Duration {
	var m model.Duration
	for _, a := range r.tg.AlertRuleTests {
		m = max(m, a.EvalTime)
	}
	for _, p := range r.tg.PromQLExprTests {
		m = max(m, p.EvalTime)
	}
	for _, n := range r.tg.NotifTests {
		m = max(m, n.EvalTime)
	}
	for _, a := range r.tg.Acks {
		m = max(m, a.At)
	}
	return time.Duration(m)
}

// simulate steps through the timeline. It stops at the first time a rule
// fails to evaluate, as promtool does, and reports false then.
func (r *groupRun) simulate(ctx context.Context) bool {
	for _, p := range r.timeline() {
		if r.pipe != nil {
			r.pipe.RunBefore(ctx, p.at)
		}
		if p.steps || len(p.cron) > 0 {
			if err := r.appendTill(p.at); err != nil {
				r.fail("%v", err)
				return false
			}
			var errs []string
			for _, i := range r.sequence {
				if p.steps && r.groups[i].Group.Cron == nil || slices.Contains(p.cron, i) {
					errs = append(errs, r.evalGroup(ctx, i, p.at)...)
				}
			}
			if len(errs) > 0 {
				r.failures = append(r.failures, errs...)
				return false
			}
		}
		if r.pipe != nil {
			r.pipe.Step(ctx, p.at)
			if len(p.acks) > 0 {
				r.acknowledge(ctx, p.at, p.acks)
				r.pipe.Step(ctx, p.at)
			}
		}
		for _, a := range p.alert {
			r.checkAlerts(a, p.at)
		}
		for _, i := range p.notif {
			r.checkNotifications(i)
		}
	}
	return true
}

// evalGroup evaluates group i at ts through the real evaluator; recording
// rules are evaluated here, in their place in the group, and what rules
// produce is written to storage as Prometheus writes it.
func (r *groupRun) evalGroup(ctx context.Context, i int, ts time.Time) []string {
	g := r.groups[i]
	var errs []string
	r.drv.Eval(ctx, i, ts, func(ev *evaluator.RuleEval) {
		var err error
		if ev.Rule.IsAlerting() {
			err = ev.Err
			if err == nil {
				err = r.writer.alerts(ctx, ev.Rule, ts, ev.Alerts())
			}
		} else {
			err = r.writer.record(ctx, ev.Rule, ts, ts.Add(-g.QueryOffset), g.Group.Limit)
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("rule: %s, time: %s, err: %v", ev.Rule.Name(), formatOffset(ts), err))
		}
	})
	return errs
}

// acknowledge creates the acknowledgements due at t over the alerts firing
// then.
func (r *groupRun) acknowledge(ctx context.Context, t time.Time, acks []TestAck) {
	firing := r.mgr.Alerts()
	for _, a := range acks {
		by := a.By
		if by == "" {
			by = "alerter test"
		}
		req := ack.Request{By: by, Matchers: a.Matchers}
		if a.Duration > 0 {
			req.ExpiresAt = t.Add(time.Duration(a.Duration))
		}
		if _, err := r.acks.Create(ctx, req, ack.Select(firing, nil, a.Matchers), t); err != nil {
			r.fail("acknowledgement at %s of %s: %v", formatOffset(t), a.Matchers, err)
		}
	}
	r.pipe.AcksChanged()
}

// formatOffset prints a simulated time as the duration since the epoch,
// the way test files write eval_time.
func formatOffset(t time.Time) string {
	return model.Duration(t.Sub(epoch)).String()
}
