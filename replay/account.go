package replay

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/episode"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/internal/sim"
)

// maxOmittedTracked bounds the set that counts alerts past the per-rule
// limit.
const maxOmittedTracked = 100_000

// runAcc accumulates one rule set's figures as the replay goes.
type runAcc struct {
	name      string
	from, to  time.Time
	flapN     int
	maxAlerts int
	rules     map[string]*ruleAcc
	order     []*ruleAcc
	receivers map[string]int
	notifs    int
	timeline  *timelineWriter
	plot      *plotAcc
	// seen dedupes the integrations of one receiver told the same at once.
	seenAt time.Time
	seen   map[[2]string]bool
}

// ruleAcc is one alerting rule's accumulator.
type ruleAcc struct {
	rep      RuleReport
	tr       *episode.Tracker
	ttf, dur durStats
	firing   int
	since    time.Time
	total    time.Duration
	pending  map[alert.Key]model.LabelSet
	alerts   map[model.Fingerprint]*alertAcc
	omitted  map[model.Fingerprint]struct{}
	notifs   map[string]int
	query    string
	// severities: the rule grades severity, which is left out of its
	// alerts' labels in the report (it is not part of their identity).
	severities bool
	// hadData: the rule's query returned a series at least once.
	hadData bool
}

// alertAcc is one alert's accumulator.
type alertAcc struct {
	labels   model.LabelSet
	stats    Stats
	ttf, dur durStats
	since    time.Time // firing since (zero: not firing)
	total    time.Duration
	notifs   int
}

func newRunAcc(name string, from, to time.Time, flapN, maxAlerts int) *runAcc {
	return &runAcc{name: name, from: from, to: to, flapN: flapN, maxAlerts: maxAlerts,
		rules: map[string]*ruleAcc{}, receivers: map[string]int{}, seen: map[[2]string]bool{}}
}

// addRule registers a rule of a group, so that rules that never alert are
// reported too, in file order.
func (r *runAcc) addRule(g evaluator.DriverGroup, ruleID, alertName, query string, severities bool) {
	if _, ok := r.rules[ruleID]; ok {
		return
	}
	ra := &ruleAcc{
		rep:        RuleReport{Group: g.Group.Name, File: g.Group.File, Alert: alertName, IntervalSeconds: g.Interval.Seconds()},
		tr:         episode.NewTracker(),
		pending:    map[alert.Key]model.LabelSet{},
		alerts:     map[model.Fingerprint]*alertAcc{},
		omitted:    map[model.Fingerprint]struct{}{},
		notifs:     map[string]int{},
		query:      query,
		severities: severities,
	}
	r.rules[ruleID] = ra
	r.order = append(r.order, ra)
}

// alert returns the accumulator of a's alert, nil past the limit.
func (r *runAcc) alert(ra *ruleAcc, a *alert.Alert) *alertAcc {
	if aa := ra.alerts[a.Key.ID]; aa != nil {
		return aa
	}
	if len(ra.alerts) >= r.maxAlerts {
		if len(ra.omitted) < maxOmittedTracked {
			ra.omitted[a.Key.ID] = struct{}{}
		}
		return nil
	}
	ls := make(model.LabelSet, len(a.Labels))
	for k, v := range a.Labels {
		if k != model.AlertNameLabel && !(k == "severity" && ra.severities) {
			ls[k] = v
		}
	}
	aa := &alertAcc{labels: ls, ttf: durStats{limit: alertExactDurations}, dur: durStats{limit: alertExactDurations}}
	ra.alerts[a.Key.ID] = aa
	return aa
}

// observe takes in one rule evaluation.
func (r *runAcc) observe(ev *evaluator.RuleEval) {
	if !ev.Rule.IsAlerting() {
		return
	}
	ra := r.rules[ev.Rule.ID]
	if ra == nil {
		return
	}
	ts := ev.TS
	ra.tr.Evaluated()
	ra.rep.Evaluations++
	if ev.Err != nil {
		ra.rep.Errors++
		ra.rep.LastError = ev.Err.Error()
	}
	var counted map[alert.Key]bool
	for _, a := range ev.Result.Changed {
		// A new alert has ActiveAt == ts: it went pending (and, with
		// for: 0, fired at once, which still counts as pending once).
		if _, ok := ra.pending[a.Key]; ok || a.State == alert.StateInactive || !a.ActiveAt.Equal(ts) || counted[a.Key] {
			continue
		}
		if counted == nil {
			counted = map[alert.Key]bool{}
		}
		counted[a.Key] = true
		if a.State == alert.StatePending {
			ra.pending[a.Key] = a.Labels
		}
		ra.rep.Pending++
		if aa := r.alert(ra, a); aa != nil {
			aa.stats.Pending++
		}
		r.timeline.write(r.name, ts, ra, a.Labels, "pending", a.Value)
	}
	for _, k := range ev.Result.Deleted {
		if ls, ok := ra.pending[k]; ok {
			delete(ra.pending, k)
			r.timeline.write(r.name, ts, ra, ls, "pending_cancelled", 0)
		}
	}
	for _, e := range ev.Result.Events {
		a := &e.Alert
		aa := r.alert(ra, a)
		switch e.Kind {
		case alert.EventFiring:
			delete(ra.pending, a.Key)
			ra.tr.Observe(e)
			ra.rep.Fired++
			ttf := a.FiredAt.Sub(a.ActiveAt)
			ra.ttf.add(ttf)
			if ra.firing == 0 {
				ra.since = ts
			}
			ra.firing++
			if aa != nil {
				aa.stats.Fired++
				aa.ttf.add(ttf)
				aa.since = ts
			}
			r.timeline.write(r.name, ts, ra, a.Labels, "firing", a.Value)
		case alert.EventResolved:
			ep := ra.tr.Observe(e)
			if ep == nil {
				continue
			}
			flap := ep.Flap(r.flapN)
			ra.rep.Resolved++
			ra.dur.add(ep.Duration(ts))
			if flap {
				ra.rep.Flaps++
			}
			if ra.firing--; ra.firing == 0 {
				ra.total += ts.Sub(ra.since)
			}
			if aa != nil {
				aa.stats.Resolved++
				aa.dur.add(ep.Duration(ts))
				if flap {
					aa.stats.Flaps++
				}
				if !aa.since.IsZero() {
					aa.total += ts.Sub(aa.since)
					aa.since = time.Time{}
				}
			}
			r.timeline.write(r.name, ts, ra, a.Labels, "resolved", a.Value)
		case alert.EventSeverityRaised:
			ra.rep.SeverityRaised++
			if aa != nil {
				aa.stats.SeverityRaised++
			}
			r.timeline.write(r.name, ts, ra, a.Labels, "severity_raised", a.Value)
		}
	}
	if r.plot != nil && r.plot.ruleID == ev.Rule.ID {
		r.plot.observe(ts, ra.firing > 0, len(ra.pending) > 0)
	}
}

// notify takes in one queued notification; the integrations of a
// receiver told the same thing at once count once.
func (r *runAcc) notify(n sim.Notification) {
	if !n.At.Equal(r.seenAt) {
		r.seenAt = n.At
		clear(r.seen)
	}
	k := [2]string{n.Receiver, n.Message.GroupKey}
	if r.seen[k] {
		return
	}
	r.seen[k] = true
	r.receivers[n.Receiver]++
	r.notifs++
	counted := map[*ruleAcc]bool{}
	for _, a := range n.Message.Alerts {
		ra := r.rules[a.Key.RuleID]
		if ra == nil {
			continue
		}
		if !counted[ra] {
			counted[ra] = true
			ra.notifs[n.Receiver]++
		}
		if aa := ra.alerts[a.Key.ID]; aa != nil {
			aa.notifs++
		}
	}
}

// report closes the open episodes at the end of the range and builds the
// run's report.
func (r *runAcc) report() *RunReport {
	rng := r.to.Sub(r.from)
	out := &RunReport{Name: r.name}
	for _, ra := range r.order {
		rep := ra.rep
		rep.Open = len(ra.tr.Open())
		total := ra.total
		if ra.firing > 0 {
			total += r.to.Sub(ra.since)
		}
		rep.TimeToFire, rep.EpisodeDuration = ra.ttf.summary(), ra.dur.summary()
		rep.FiringSeconds, rep.FiringShare = total.Seconds(), share(total, rng)
		rep.NoData = rep.Evaluations > 0 && !ra.hadData
		rep.Notifications = counts(ra.notifs)
		rep.AlertsOmitted = len(ra.omitted)
		for _, aa := range ra.alerts {
			ar := &AlertReport{Labels: map[string]string{}, Stats: aa.stats, Notifications: aa.notifs}
			for k, v := range aa.labels {
				ar.Labels[string(k)] = string(v)
			}
			t := aa.total
			if !aa.since.IsZero() {
				t += r.to.Sub(aa.since)
				ar.Open = 1
			}
			ar.TimeToFire, ar.EpisodeDuration = aa.ttf.summary(), aa.dur.summary()
			ar.FiringSeconds, ar.FiringShare = t.Seconds(), share(t, rng)
			rep.Alerts = append(rep.Alerts, ar)
		}
		slices.SortFunc(rep.Alerts, func(a, b *AlertReport) int {
			if a.Fired != b.Fired {
				return b.Fired - a.Fired
			}
			if a.Pending != b.Pending {
				return b.Pending - a.Pending
			}
			return strings.Compare(model.LabelSet(toLabelSet(a.Labels)).String(), model.LabelSet(toLabelSet(b.Labels)).String())
		})
		if rep.Alerts == nil {
			rep.Alerts = []*AlertReport{}
		}
		out.Rules = append(out.Rules, &rep)
		out.Totals.Pending += rep.Pending
		out.Totals.Fired += rep.Fired
		out.Totals.Resolved += rep.Resolved
		out.Totals.Flaps += rep.Flaps
	}
	out.Totals.Notifications = r.notifs
	out.Receivers = counts(r.receivers)
	return out
}

func share(d, of time.Duration) float64 {
	if of <= 0 {
		return 0
	}
	return float64(d) / float64(of)
}

func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{Receiver: k, Count: v})
	}
	slices.SortFunc(out, func(a, b Count) int { return strings.Compare(a.Receiver, b.Receiver) })
	return out
}

func toLabelSet(m map[string]string) model.LabelSet {
	ls := make(model.LabelSet, len(m))
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}
