package evaluator

import (
	"context"
	"errors"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/rules"
)

// Driver evaluates rule groups at times its caller picks, with no loops
// and no clock: the seam through which `alerter test` and `alerter replay`
// step simulated time. A rule evaluates through it exactly as under Start:
// the same querier, conditions, templates, state machine and commits to
// the store, which wake OnEvents.
type Driver struct {
	m      *Manager
	groups []*groupRuntime
}

// DriverGroup describes one group of a Driver, for its caller's schedule.
type DriverGroup struct {
	Group *rules.Group
	// Key is the group's key (file;name), as in state batches.
	Key string
	// Interval is the group's interval, the default one applied; zero for
	// groups with a cron schedule.
	Interval time.Duration
	// QueryOffset is the group's query offset, the default one applied.
	QueryOffset time.Duration
}

// RuleEval is one rule's evaluation, handed to a Driver's observer while
// its group evaluates, in the group's order (recording rules included, with
// nothing evaluated: the caller may evaluate them itself).
type RuleEval struct {
	Rule *rules.Rule
	TS   time.Time
	// Result is what the state machine did. Its Changed alerts are the
	// live ones: read them during the call only.
	Result StepResult
	// Err is the query or evaluation error that froze the rule's alerts
	// (or, for a *LimitError, dropped them).
	Err error
	rt  *ruleRuntime
}

// Alerts returns copies of the rule's pending and firing alerts after this
// evaluation, oldest first; none for a recording rule.
func (e *RuleEval) Alerts() []*alert.Alert {
	if e.rt == nil {
		return nil
	}
	return e.rt.status().Alerts
}

// Drive builds the groups of set for stepping and restores their state
// from the store as Start does (at now). Its groups show in Groups and
// Alerts. A Manager that drives is never started: Start and Update refuse.
// alerter's own AlerterDatasourceDown group is not part of a Driver.
func (m *Manager) Drive(ctx context.Context, set *rules.Set, now time.Time) (*Driver, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running || m.driven {
		return nil, errors.New("evaluator: already started")
	}
	groups := m.build(set)
	if err := m.restore(ctx, groups, now); err != nil {
		return nil, err
	}
	m.groups = groups
	m.driven, m.ready = true, true
	return &Driver{m: m, groups: groups}, nil
}

// Groups describes the driver's groups, in rule file order.
func (d *Driver) Groups() []DriverGroup {
	out := make([]DriverGroup, len(d.groups))
	for i, g := range d.groups {
		out[i] = DriverGroup{Group: g.g, Key: g.key, Interval: g.interval, QueryOffset: g.queryOffset}
	}
	return out
}

// Next returns group i's first scheduled evaluation strictly after t, on
// the schedule Start would follow (the interval at the group's stable
// offset, or its cron schedule).
func (d *Driver) Next(i int, t time.Time) time.Time {
	return d.groups[i].sched.first(t)
}

// Eval evaluates group i at ts and commits what changed, as one iteration
// of its loop would. observe, when not nil, is called after each rule.
func (d *Driver) Eval(ctx context.Context, i int, ts time.Time, observe func(*RuleEval)) {
	d.groups[i].evalObserved(ctx, ts, observe)
}
