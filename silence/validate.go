package silence

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/alerter/alerter/matcher"
)

// The rules below are Alertmanager's, from two places: the silence store's
// validateSilence and canUpdate (silence/silence.go), and the checks its v2
// API makes before calling the store (postSilencesHandler in
// api/v2/api.go). alerter has no separate API-side validation, so both sets
// live here and every one of them is a ValidationError.

// compileMatchers checks ms as Alertmanager's validateSilence does, plus
// matcher.CheckLabelName's rule for names, and returns them rebuilt by
// matcher.New, so that each regular expression is compiled once and the
// caller's values are not shared.
func compileMatchers(ms matcher.Matchers) (matcher.Matchers, error) {
	if len(ms) == 0 {
		return nil, errors.New("at least one matcher required")
	}
	out := make(matcher.Matchers, len(ms))
	for i, m := range ms {
		if m == nil {
			return nil, fmt.Errorf("invalid label matcher %d: missing", i)
		}
		if err := matcher.CheckLabelName(m.Name); err != nil {
			return nil, fmt.Errorf("invalid label matcher %d: %w", i, err)
		}
		c, err := matcher.New(m.Type, m.Name, m.Value)
		if err != nil {
			return nil, fmt.Errorf("invalid label matcher %d: %w", i, err)
		}
		if m.Type.IsRegex() {
			// Alertmanager compiles the expression on its own as well as
			// anchored: "a)|(.*" compiles once wrapped in ^(?:…)$ and would
			// then match everything.
			if _, err := regexp.Compile(m.Value); err != nil {
				return nil, fmt.Errorf("invalid label matcher %d: invalid regular expression %q: %w", i, m.Value, err)
			}
		}
		out[i] = c
	}
	// Alertmanager's rule: {env!="prod"} alone is a valid silence there
	// and here (see matcher.AlertmanagerSilence).
	if err := out.CheckSelective(matcher.AlertmanagerSilence); err != nil {
		return nil, err
	}
	return out, nil
}

// MaxTime is the latest start or end a silence may have, and the latest
// expiry of anything stored: the end of year 9999, the last instant RFC 3339
// (and so the API and the stores' JSON) can write. amtool's
// --duration=300y ends well before it.
var MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// validate checks a silence about to be stored, after Set defaulted a zero
// StartsAt to now, in Alertmanager's order: first the v2 API's time checks,
// which reject startsAt >= endsAt (the store alone allows equal times) and
// an endsAt before now, for new silences and updates alike; then the
// store's validateSilence.
func validate(s *Silence, now time.Time) (matcher.Matchers, error) {
	if s.EndsAt.IsZero() {
		return nil, &ValidationError{Msg: "invalid silence: invalid zero end timestamp"}
	}
	if !s.StartsAt.Before(s.EndsAt) {
		return nil, &ValidationError{Msg: "start time must be before end time"}
	}
	if s.EndsAt.Before(now) {
		return nil, &ValidationError{Msg: "end time can't be in the past"}
	}
	if s.EndsAt.After(MaxTime) {
		return nil, &ValidationError{Msg: "end time must not be after " + MaxTime.Format(time.RFC3339)}
	}
	ms, err := compileMatchers(s.Matchers)
	if err != nil {
		return nil, &ValidationError{Msg: "invalid silence: " + err.Error()}
	}
	return ms, nil
}

// canUpdate is Alertmanager's rule for changing a silence in place, without
// rewriting what was muted in the past: the matchers must be the same (in
// the same order); a pending silence may change its times as long as it does
// not start in the past; an active one may only move its end (and not into
// the past), its start compared at second precision as Alertmanager does;
// an expired one is never changed. Anything else replaces the silence with
// a new one.
func canUpdate(prev, next *Silence, now time.Time) bool {
	if !sameMatchers(prev.Matchers, next.Matchers) {
		return false
	}
	switch prev.State(now) {
	case StateActive:
		if prev.StartsAt.Unix() != next.StartsAt.Unix() {
			return false
		}
		if next.EndsAt.Before(now) {
			return false
		}
	case StatePending:
		if next.StartsAt.Before(now) {
			return false
		}
	default:
		return false
	}
	return true
}

func sameMatchers(a, b matcher.Matchers) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Name != b[i].Name || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}
