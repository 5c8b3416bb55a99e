// Package episode follows alerts from firing to resolution: one episode
// per firing, how long it lasted, and how many evaluations of its rule it
// spanned, from which a flap (an alert that resolved within a few
// evaluations of firing) is told apart from an incident. alerter replay
// counts episodes with it; it imports nothing of the project but package
// alert, so that the evaluator and the notification side can share the
// same definition.
package episode

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// DefaultFlapEvaluations is how many evaluations after firing a
// resolution still counts as a flap when nothing else is configured.
const DefaultFlapEvaluations = 3

// Episode is one firing of one alert, from the evaluation that fired it to
// the one that resolved it.
type Episode struct {
	Key    alert.Key
	Labels model.LabelSet
	// ActiveAt is when it went pending (equal to FiredAt with for: 0).
	ActiveAt time.Time
	FiredAt  time.Time
	// ResolvedAt is zero while the episode is open.
	ResolvedAt time.Time
	// Evaluations is how many evaluations of the rule after the one that
	// fired it it took to resolve (1: resolved at the next evaluation);
	// for an open episode, how many have happened since it fired.
	Evaluations int64
}

// Duration is how long the episode fired, up to until when it is open.
func (e *Episode) Duration(until time.Time) time.Duration {
	if !e.ResolvedAt.IsZero() {
		return e.ResolvedAt.Sub(e.FiredAt)
	}
	return until.Sub(e.FiredAt)
}

// TimeToFire is how long the alert was pending before it fired.
func (e *Episode) TimeToFire() time.Duration { return e.FiredAt.Sub(e.ActiveAt) }

// IsFlap reports whether an episode that resolved after evaluations
// evaluations of its rule is a flap: it resolved within n evaluations of
// firing. Open episodes are never flaps.
func IsFlap(evaluations int64, resolved bool, n int) bool {
	return resolved && evaluations <= int64(n)
}

// Flap reports whether the episode resolved within n evaluations of
// firing.
func (e *Episode) Flap(n int) bool { return IsFlap(e.Evaluations, !e.ResolvedAt.IsZero(), n) }

// Tracker follows the episodes of one rule's alerts. Call Evaluated once
// per evaluation of the rule, then Observe for each event that evaluation
// produced. It keeps only open episodes: memory is bounded by the alerts
// firing at once, not by how long it runs.
type Tracker struct {
	evals int64
	open  map[alert.Key]*openEpisode
}

type openEpisode struct {
	Episode
	firedEval int64
}

// NewTracker returns a Tracker with no open episode.
func NewTracker() *Tracker { return &Tracker{open: map[alert.Key]*openEpisode{}} }

// Evaluated counts one evaluation of the rule.
func (t *Tracker) Evaluated() { t.evals++ }

// Evaluations is how many evaluations were counted.
func (t *Tracker) Evaluations() int64 { return t.evals }

// Observe takes in one event of the current evaluation. A firing event
// opens an episode (and returns nil); a resolved event closes its episode
// and returns it. Severity rises change nothing but the labels.
func (t *Tracker) Observe(ev *alert.Event) *Episode {
	a := &ev.Alert
	switch ev.Kind {
	case alert.EventFiring:
		firedAt := a.FiredAt
		if firedAt.IsZero() {
			firedAt = ev.At
		}
		t.open[a.Key] = &openEpisode{
			Episode:   Episode{Key: a.Key, Labels: a.Labels, ActiveAt: a.ActiveAt, FiredAt: firedAt},
			firedEval: t.evals,
		}
	case alert.EventSeverityRaised:
		if o := t.open[a.Key]; o != nil {
			o.Labels = a.Labels
		}
	case alert.EventResolved:
		o := t.open[a.Key]
		if o == nil {
			return nil // fired before tracking began
		}
		delete(t.open, a.Key)
		e := o.Episode
		e.ResolvedAt = a.ResolvedAt
		if e.ResolvedAt.IsZero() {
			e.ResolvedAt = ev.At
		}
		e.Evaluations = t.evals - o.firedEval
		return &e
	}
	return nil
}

// Resume opens the episode of an alert that was already firing when
// tracking began (after a restart), as if it had fired evaluationsSoFar
// evaluations ago, so that its resolution is counted as an uninterrupted
// run would count it.
func (t *Tracker) Resume(a *alert.Alert, evaluationsSoFar int64) {
	firedAt := a.FiredAt
	if firedAt.IsZero() {
		firedAt = a.ActiveAt
	}
	t.open[a.Key] = &openEpisode{
		Episode:   Episode{Key: a.Key, Labels: a.Labels, ActiveAt: a.ActiveAt, FiredAt: firedAt},
		firedEval: t.evals - max(evaluationsSoFar, 0),
	}
}

// Forget drops the open episode of an alert that is no longer tracked.
func (t *Tracker) Forget(k alert.Key) { delete(t.open, k) }

// Open returns copies of the episodes still open, with Evaluations
// counted so far.
func (t *Tracker) Open() []*Episode {
	out := make([]*Episode, 0, len(t.open))
	for _, o := range t.open {
		e := o.Episode
		e.Evaluations = t.evals - o.firedEval
		out = append(out, &e)
	}
	return out
}
