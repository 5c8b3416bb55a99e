package notifiers

import (
	"time"
)

// Early first notifications (route setting group_wait_early).
//
// A new group waits group_wait before its first notification so that
// alerts that fire together go out together. Alertmanager cannot know
// when the alerts that belong with the first one have all arrived;
// alerter can, for the alerts of its own rules: they come from rule group
// evaluations, and the evaluator knows which evaluations are done. A
// group whose route sets group_wait_early sends its first notification as
// soon as every rule group evaluation that was due when the group formed
// has been stored (its alerts are then ingested too), and at the latest
// after group_wait. Alerts of evaluations due later, and pushed alerts
// that arrive later, join the group's next notification, group_interval
// after the first, as any alert that misses group_wait does.

// EvaluationProgress tells the dispatcher how far alerter's rule
// evaluations have got. The evaluator's Manager satisfies it.
type EvaluationProgress interface {
	// EvaluatedBefore returns a time w such that every rule group
	// evaluation due before w has been stored (its events are in the
	// outbox), and false when that is not known (no evaluator running).
	EvaluatedBefore() (w time.Time, ok bool)
}

// evaluatedBefore reads the evaluations' progress; ok is false without
// one.
func (d *Dispatcher) evaluatedBefore() (time.Time, bool) {
	if d.o.Evaluations == nil {
		return time.Time{}, false
	}
	return d.o.Evaluations.EvaluatedBefore()
}

// releaseEarly moves the first flush of groups with group_wait_early to
// now when every evaluation due when they formed was stored before w. It
// must be given a w read before the events it ingested were read, so that
// the alerts of those evaluations are in their groups. It reports how many
// groups still wait early.
func (d *Dispatcher) releaseEarly(w time.Time, ok bool, now time.Time) int {
	waiting := 0
	for _, g := range d.groups {
		if g.flushed || !g.route.GroupWaitEarly || !g.nextFlush.After(now) {
			continue
		}
		if ok && w.After(g.formed) {
			g.nextFlush = now
			d.metrics.earlyFlushes.Inc()
			continue
		}
		waiting++
	}
	d.earlyWaiting.Store(int64(waiting))
	return waiting
}

// EvaluationDone tells the dispatcher that a rule group evaluation was
// stored; it wakes the dispatcher only when a group waits for one. It
// never blocks.
func (d *Dispatcher) EvaluationDone() {
	if d.earlyWaiting.Load() > 0 {
		d.Wake()
	}
}
