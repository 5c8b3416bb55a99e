package silence

import (
	"errors"
	"time"

	"github.com/alerter/alerter/matcher"
)

// State is where a silence is in its life at a given time, with
// Alertmanager's names, which the v2 API returns as status.state.
type State string

// The three states, ordered as Alertmanager's API sorts them.
const (
	StatePending State = "pending"
	StateActive  State = "active"
	StateExpired State = "expired"
)

// Silence mutes the alerts its matchers select while it is active, that is
// from StartsAt (inclusive) to EndsAt (exclusive).
type Silence struct {
	// ID is a random (version 4) UUID assigned by Silences.Set. A Set with a
	// non-empty ID updates that silence.
	ID       string
	Matchers matcher.Matchers

	StartsAt, EndsAt time.Time
	// UpdatedAt is when the silence was last created or changed; Set and
	// Expire assign it.
	UpdatedAt time.Time

	CreatedBy, Comment string

	// UntilResolved is an alerter extension: the silence expires as soon as
	// none of the alerts it matched is firing any more (see
	// Silences.ExpireResolved), instead of muting whatever matches later.
	UntilResolved bool
	// MatchedOnce records that an UntilResolved silence has matched a
	// firing alert while active; only then can "none of its alerts is
	// firing" expire it. It is kept with the silence so that a restart does
	// not forget it. Set ignores the caller's value.
	MatchedOnce bool
}

// State returns the silence's state at now. As in the state Alertmanager's
// API reports (silence.CurrentState), a silence is active from StartsAt up
// to but not including EndsAt, so that a silence expired at now is expired
// at now. (Alertmanager's muting check counts EndsAt itself as active; the
// two differ only at that instant, and here muting uses State.)
func (s *Silence) State(now time.Time) State {
	switch {
	case now.Before(s.StartsAt):
		return StatePending
	case now.Before(s.EndsAt):
		return StateActive
	default:
		return StateExpired
	}
}

// clone returns a deep copy, so that callers and the store never share a
// silence that the other side could change.
func (s *Silence) clone() *Silence {
	c := *s
	if s.Matchers != nil {
		c.Matchers = make(matcher.Matchers, len(s.Matchers))
		for i, m := range s.Matchers {
			if m != nil {
				mc := *m
				c.Matchers[i] = &mc
			}
		}
	}
	return &c
}

// ValidationError is a silence or window the caller must correct; the HTTP
// API answers it with 400 Bad Request.
type ValidationError struct{ Msg string }

// Error returns Msg.
func (e *ValidationError) Error() string { return e.Msg }

// ErrNotFound is returned for an ID that no silence has (Alertmanager's API
// answers it with 404 Not Found).
var ErrNotFound = errors.New("silence not found")
