// Package escalation is alerter's escalation policies: who is told about
// an alert group that nobody has acknowledged, and when. A policy has
// ordered levels, each with a delay since the group's unacknowledged
// alerts fired and the receivers to notify; the last level repeats every
// repeat_every until the alerts are acknowledged or resolved.
//
// Step is a pure function of (policy, state, what the group holds, now):
// the dispatcher calls it, persists the State it returns and notifies the
// levels it names. Because State is persisted, a restart neither starts a
// group's escalation over nor skips a level that fell due while alerter
// was down: overdue levels are all notified when it comes back.
package escalation

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// Policy is a named escalation policy, as written under
// escalation_policies in alerter.yml.
type Policy struct {
	Name   string  `yaml:"name"`
	Levels []Level `yaml:"levels"`
	// RepeatEvery repeats the last level's notification while the alerts
	// stay unacknowledged; 0 notifies it once.
	RepeatEvery model.Duration `yaml:"repeat_every,omitempty"`
}

// Level is one step of a policy.
type Level struct {
	// After is the delay since the group's first unacknowledged alert
	// fired (or last rose in severity) before this level is notified.
	After model.Duration `yaml:"after"`
	// Receivers are notified when the level is reached, and from then on
	// are told of the group's changes (new alerts, acknowledgements,
	// resolutions) like the route's own receiver.
	Receivers []string `yaml:"receivers"`
}

// Validate checks a policy against the defined receivers. Errors name the
// field ("levels[1].after: ...").
func (p *Policy) Validate(receivers map[string]bool) []error {
	var errs []error
	if p.Name == "" {
		errs = append(errs, errors.New("name: is required"))
	}
	if len(p.Levels) == 0 {
		errs = append(errs, errors.New("levels: at least one level is required"))
	}
	var prev model.Duration
	for i, l := range p.Levels {
		switch {
		case l.After < 0:
			errs = append(errs, fmt.Errorf("levels[%d].after: must not be negative", i))
		case i > 0 && l.After <= prev:
			errs = append(errs, fmt.Errorf("levels[%d].after: must be later than the previous level's (%s)", i, prev))
		}
		prev = l.After
		if len(l.Receivers) == 0 {
			errs = append(errs, fmt.Errorf("levels[%d].receivers: at least one receiver is required", i))
		}
		for j, r := range l.Receivers {
			if !receivers[r] {
				errs = append(errs, fmt.Errorf("levels[%d].receivers[%d]: undefined receiver %q", i, j, r))
			}
		}
	}
	if p.RepeatEvery < 0 {
		errs = append(errs, errors.New("repeat_every: must not be negative"))
	}
	return errs
}

// Receivers returns the receivers of the levels reached so far (the first
// reached levels), in level order, without duplicates.
func (p *Policy) Receivers(reached int) []string {
	seen := map[string]bool{}
	var out []string
	for i := 0; i < min(reached, len(p.Levels)); i++ {
		for _, r := range p.Levels[i].Receivers {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// State is one group's escalation progress. The zero State is a group
// that has not escalated.
type State struct {
	// Reached is how many levels have been notified (0: none).
	Reached int
	// Start is when the escalation clock started (zero: never started).
	Start time.Time
	// LastAt is when the last level was last notified (for repeats).
	LastAt time.Time
	// PausedAt is when every alert of the group became acknowledged (or
	// muted, or resolved); zero while escalation runs.
	PausedAt time.Time
}

// Due is when the group's escalation next needs a Step; zero when nothing
// is scheduled (no unacknowledged episode, or the last level reached and
// not repeating).
func (p *Policy) Due(s State) time.Time {
	if s.Start.IsZero() || !s.PausedAt.IsZero() {
		return time.Time{}
	}
	if s.Reached < len(p.Levels) {
		return s.Start.Add(time.Duration(p.Levels[s.Reached].After))
	}
	if p.RepeatEvery > 0 {
		return s.LastAt.Add(time.Duration(p.RepeatEvery))
	}
	return time.Time{}
}

// Step advances a group's escalation to now. unackedSince is the earliest
// time one of the group's firing, unmuted, unacknowledged alerts fired or
// rose in severity, or zero when there is none (every alert is
// acknowledged, muted or resolved): escalation then pauses, its clock
// stopped at the level reached. When an unacknowledged alert appears
// again, the clock resumes where it stopped (an acknowledgement that
// expired, a silence that ended), or from when that alert fired or rose,
// if later (a new alert in the group): no level is skipped for the time
// spent paused, and a new alert waits its own delays.
//
// It returns the new state and the levels (0-based) to notify now, every
// level that fell due and was not yet notified, so none is skipped after a
// restart; repeat says the last level is notified again.
func (p *Policy) Step(s State, unackedSince, now time.Time) (next State, levels []int, repeat bool) {
	if s.Reached > len(p.Levels) {
		s.Reached = len(p.Levels) // the policy lost levels in a reload
	}
	if unackedSince.IsZero() {
		if !s.Start.IsZero() && s.PausedAt.IsZero() {
			s.PausedAt = now
		}
		return s, nil, false
	}
	switch {
	case s.Start.IsZero():
		s.Start = unackedSince
	case !s.PausedAt.IsZero():
		paused := now.Sub(s.PausedAt)
		s.Start = later(s.Start.Add(paused), unackedSince)
		if !s.LastAt.IsZero() {
			s.LastAt = later(s.LastAt.Add(paused), unackedSince)
		}
		s.PausedAt = time.Time{}
	}
	for s.Reached < len(p.Levels) && !now.Before(s.Start.Add(time.Duration(p.Levels[s.Reached].After))) {
		levels = append(levels, s.Reached)
		s.Reached++
		if s.Reached == len(p.Levels) {
			s.LastAt = now
		}
	}
	if len(levels) == 0 && s.Reached == len(p.Levels) && p.RepeatEvery > 0 &&
		!now.Before(s.LastAt.Add(time.Duration(p.RepeatEvery))) {
		// One repeat however long alerter was away: a backlog of repeats
		// would only page several times at once.
		s.LastAt = now
		return s, []int{len(p.Levels) - 1}, true
	}
	return s, levels, false
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
