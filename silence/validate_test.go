package silence

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/matcher"
)

// Sources of the rules, in Alertmanager's repository:
//
//	VS  silence/silence.go validateSilence (and validateMatcher, matchesEmpty)
//	SET silence/silence.go (*Silences).Set
//	CU  silence/silence.go canUpdate
//	EXP silence/silence.go (*Silences).expire (idempotent since PR #2817)
//	API api/v2/api.go postSilencesHandler
//	OAS api/v2/models/silence.go (go-swagger: createdBy and comment are
//	    required to be present; validate.Required accepts "")
//	ST  silence/state.go CurrentState (the state the API reports)

func TestSetValidation(t *testing.T) {
	now := t0
	later, muchLater := now.Add(time.Hour), now.Add(2*time.Hour)
	rawRegexp := func(name, value string) matcher.Matchers {
		// Built as a literal: matcher.New would accept "a)|(.*" wrapped.
		return matcher.Matchers{{Type: matcher.Regexp, Name: name, Value: value}}
	}
	for _, tc := range []struct {
		name, rule string
		sil        *Silence
		wantErr    string // substring of the ValidationError; "" = valid
	}{
		{"no matchers", "VS: at least one matcher required",
			&Silence{StartsAt: now, EndsAt: later}, "at least one matcher required"},
		{"nil matcher", "VS: invalid label matcher",
			&Silence{Matchers: matcher.Matchers{nil}, StartsAt: now, EndsAt: later}, "invalid label matcher 0"},
		{"empty label name", "VS: validateMatcher, invalid label name",
			&Silence{Matchers: matcher.Matchers{{Type: matcher.Equal, Value: "x"}}, StartsAt: now, EndsAt: later}, "invalid label matcher 0"},
		{"regexp that does not compile", "VS: validateMatcher, invalid regular expression",
			&Silence{Matchers: rawRegexp("job", "("), StartsAt: now, EndsAt: later}, "invalid label matcher 0"},
		{"regexp that compiles only when anchored", "VS: validateMatcher compiles the pattern as given",
			&Silence{Matchers: rawRegexp("job", "a)|(.*"), StartsAt: now, EndsAt: later}, "invalid regular expression"},
		{"only matcher is empty equality", "VS: at least one matcher must not match the empty string",
			sil(t, `{job=""}`, now, later), "at least one matcher must not match the empty string"},
		{"only matcher is regexp matching empty", "VS: matchesEmpty",
			sil(t, `{job=~".*"}`, now, later), "must not match the empty string"},
		{"all matchers match empty", "VS: matchesEmpty",
			sil(t, `{job=~"a|", team=""}`, now, later), "must not match the empty string"},
		{"one matcher does not match empty", "VS: matchesEmpty",
			sil(t, `{job=~".*", team="db"}`, now, later), ""},
		{"not-equal alone is accepted", "VS: matchesEmpty is false for != and !~",
			sil(t, `{env!="prod"}`, now, later), ""},
		{"negative regexp alone is accepted", "VS: matchesEmpty is false for != and !~",
			sil(t, `{env!~"prod|staging"}`, now, later), ""},
		{"zero end", "VS: invalid zero end timestamp",
			sil(t, `{job="a"}`, now, time.Time{}), "invalid zero end timestamp"},
		{"end equals start", "API: start time must be before end time (equal rejected)",
			sil(t, `{job="a"}`, later, later), "start time must be before end time"},
		{"end before start", "API, VS: end time must not be before start time",
			sil(t, `{job="a"}`, muchLater, later), "start time must be before end time"},
		{"end in the past", "API: end time can't be in the past",
			sil(t, `{job="a"}`, now.Add(-2*time.Hour), now.Add(-time.Hour)), "end time can't be in the past"},
		{"times checked before matchers", "API: the handler's checks run before SET validates",
			sil(t, `{job=""}`, now.Add(-2*time.Hour), now.Add(-time.Hour)), "end time can't be in the past"},
		{"end exactly now", "API: only an end before now is refused",
			sil(t, `{job="a"}`, now.Add(-time.Hour), now), ""},
		{"start in the past is clamped", "SET: StartsAt before now becomes now",
			sil(t, `{job="a"}`, now.Add(-time.Hour), later), ""},
		{"zero start means now", "SET: zero StartsAt becomes now",
			sil(t, `{job="a"}`, time.Time{}, later), ""},
		{"empty createdBy and comment", "OAS: required means present; \"\" is accepted",
			&Silence{Matchers: ms(t, `{job="a"}`), StartsAt: now, EndsAt: later}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTest(t, Options{})
			id, err := s.Set(context.Background(), tc.sil, now)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("%s: Set = %v, want success", tc.rule, err)
				}
				got := mustGet(t, s, id)
				if got.StartsAt.Before(now) {
					t.Errorf("%s: StartsAt = %v, before now %v", tc.rule, got.StartsAt, now)
				}
				if !tc.sil.StartsAt.IsZero() && tc.sil.StartsAt.After(now) && !got.StartsAt.Equal(tc.sil.StartsAt) {
					t.Errorf("StartsAt = %v, want %v", got.StartsAt, tc.sil.StartsAt)
				}
				if !got.UpdatedAt.Equal(now) {
					t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, now)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%s: Set = %v (%T), want a *ValidationError", tc.rule, err, err)
			}
			if !strings.Contains(ve.Error(), tc.wantErr) {
				t.Errorf("%s: error %q does not contain %q", tc.rule, ve.Error(), tc.wantErr)
			}
			if s.Version() != 0 || len(s.Query(nil, now)) != 0 {
				t.Errorf("a rejected silence changed the state")
			}
		})
	}
}

func TestSetUnknownIDIsNotFound(t *testing.T) {
	// SET: an ID that is not stored is ErrNotFound (API: 404).
	s, _ := newTest(t, Options{})
	in := sil(t, `{job="a"}`, t0, t0.Add(time.Hour))
	in.ID = "00000000-0000-4000-8000-000000000000"
	if _, err := s.Set(context.Background(), in, t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Set with unknown ID = %v, want ErrNotFound", err)
	}
}

func TestSetDoesNotModifyInput(t *testing.T) {
	s, _ := newTest(t, Options{})
	in := sil(t, `{job="a"}`, t0.Add(-time.Hour), t0.Add(time.Hour))
	before := *in
	mustSet(t, s, in, t0)
	if in.ID != "" || !in.StartsAt.Equal(before.StartsAt) || !in.UpdatedAt.IsZero() {
		t.Fatalf("Set modified its argument: %+v", in)
	}
}

func TestSetUpdate(t *testing.T) {
	const (
		inPlace = iota
		replaced
	)
	now := t0
	for _, tc := range []struct {
		name, rule string
		// start, end of the existing silence relative to now
		start, end time.Duration
		matchers   string
		// change makes the update from a copy of the stored silence.
		change func(t *testing.T, s *Silence)
		want   int
	}{
		{"pending: move both times later", "CU: pending, new start not before now",
			time.Hour, 2 * time.Hour, `{job="a"}`,
			func(_ *testing.T, s *Silence) { s.StartsAt, s.EndsAt = now.Add(3*time.Hour), now.Add(4*time.Hour) }, inPlace},
		{"pending: start now", "CU: pending, start equal to now is not before now",
			time.Hour, 2 * time.Hour, `{job="a"}`,
			func(_ *testing.T, s *Silence) { s.StartsAt = now }, inPlace},
		{"pending: start in the past", "CU: pending, new start before now",
			time.Hour, 2 * time.Hour, `{job="a"}`,
			func(_ *testing.T, s *Silence) { s.StartsAt = now.Add(-time.Minute) }, replaced},
		{"pending: other matchers", "CU: matchers must be equal",
			time.Hour, 2 * time.Hour, `{job="a"}`,
			func(t *testing.T, s *Silence) { s.Matchers = ms(t, `{job="b"}`) }, replaced},
		{"active: extend", "CU: active, same start, end not before now",
			-time.Hour, time.Hour, `{job="a"}`,
			func(_ *testing.T, s *Silence) { s.EndsAt = now.Add(5 * time.Hour) }, inPlace},
		{"active: shorten", "CU: active, same start, end not before now",
			-time.Hour, time.Hour, `{job="a"}`,
			func(_ *testing.T, s *Silence) { s.EndsAt = now.Add(time.Minute) }, inPlace},
		{"active: start differs below a second", "CU: active, starts compared with Unix()",
			-time.Hour, time.Hour, `{job="a"}`,
			func(_ *testing.T, s *Silence) { s.StartsAt = s.StartsAt.Truncate(time.Second) }, inPlace},
		{"active: comment only", "CU: only matchers and times are compared",
			-time.Hour, time.Hour, `{job="a"}`,
			func(_ *testing.T, s *Silence) { s.Comment, s.CreatedBy = "new", "someone" }, inPlace},
		{"active: start moved", "CU: active, start must stay",
			-time.Hour, time.Hour, `{job="a"}`,
			func(_ *testing.T, s *Silence) { s.StartsAt = s.StartsAt.Add(-time.Minute) }, replaced},
		{"active: other matchers", "CU: matchers must be equal",
			-time.Hour, time.Hour, `{job="a"}`,
			func(t *testing.T, s *Silence) { s.Matchers = ms(t, `{job="a",team="x"}`) }, replaced},
		{"active: matchers reordered", "CU: matchers compared in order (DeepEqual)",
			-time.Hour, time.Hour, `{job="a",team="x"}`,
			func(t *testing.T, s *Silence) { s.Matchers = ms(t, `{team="x",job="a"}`) }, replaced},
		{"active: operator changed", "CU: matchers must be equal",
			-time.Hour, time.Hour, `{job="a"}`,
			func(t *testing.T, s *Silence) { s.Matchers = ms(t, `{job=~"a"}`) }, replaced},
		{"expired: extend", "CU: an expired silence is never updated",
			-2 * time.Hour, -time.Hour, `{job="a"}`,
			func(_ *testing.T, s *Silence) { s.EndsAt = now.Add(time.Hour) }, replaced},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, st := newTest(t, Options{})
			created := t0.Add(-3 * time.Hour) // so that any start is not in the past
			id := mustSet(t, s, sil(t, tc.matchers, now.Add(tc.start), now.Add(tc.end)), created)
			prev := mustGet(t, s, id)
			upd := prev.clone()
			tc.change(t, upd)
			v := s.Version()

			newID, err := s.Set(context.Background(), upd, now)
			if err != nil {
				t.Fatalf("%s: Set = %v", tc.rule, err)
			}
			if s.Version() == v {
				t.Errorf("Version did not change")
			}
			got := mustGet(t, s, newID)
			if tc.want == inPlace {
				if newID != id {
					t.Fatalf("%s: got new ID %s, want the update in place", tc.rule, newID)
				}
				if !got.StartsAt.Equal(upd.StartsAt) || !got.EndsAt.Equal(upd.EndsAt) || got.Comment != upd.Comment ||
					!sameMatchers(got.Matchers, upd.Matchers) || !got.UpdatedAt.Equal(now) {
					t.Errorf("stored %+v, want %+v updated at %v", got, upd, now)
				}
				if len(s.Query(nil, now)) != 1 {
					t.Errorf("an in-place update left %d silences", len(s.Query(nil, now)))
				}
				return
			}
			if newID == id {
				t.Fatalf("%s: updated in place, want a new silence", tc.rule)
			}
			// SET: the replacement starts no earlier than now.
			if want := upd.StartsAt; want.Before(now) {
				if !got.StartsAt.Equal(now) {
					t.Errorf("replacement StartsAt = %v, want now", got.StartsAt)
				}
			} else if !got.StartsAt.Equal(want) {
				t.Errorf("replacement StartsAt = %v, want %v", got.StartsAt, want)
			}
			old := mustGet(t, s, id)
			switch prev.State(now) {
			case StateExpired:
				// SET: an expired silence is left as it was.
				if !old.UpdatedAt.Equal(prev.UpdatedAt) || !old.EndsAt.Equal(prev.EndsAt) {
					t.Errorf("expired silence changed: %+v", old)
				}
			case StateActive:
				// EXP: active ends now.
				if !old.EndsAt.Equal(now) || !old.StartsAt.Equal(prev.StartsAt) || old.State(now) != StateExpired {
					t.Errorf("replaced active silence = %v..%v, want ended now", old.StartsAt, old.EndsAt)
				}
			case StatePending:
				// EXP: pending starts and ends now.
				if !old.EndsAt.Equal(now) || !old.StartsAt.Equal(now) {
					t.Errorf("replaced pending silence = %v..%v, want both now", old.StartsAt, old.EndsAt)
				}
			}
			if st.get(id) == nil || !st.get(id).EndsAt.Equal(old.EndsAt) || st.get(newID) == nil {
				t.Errorf("store does not hold both silences")
			}
		})
	}
}

func TestExpire(t *testing.T) {
	ctx := context.Background()
	s, st := newTest(t, Options{})
	created := t0.Add(-time.Hour)
	active := mustSet(t, s, sil(t, `{job="a"}`, created, t0.Add(time.Hour)), created)
	pending := mustSet(t, s, sil(t, `{job="b"}`, t0.Add(time.Hour), t0.Add(2*time.Hour)), created)

	if err := s.Expire(ctx, active, t0); err != nil {
		t.Fatal(err)
	}
	if g := mustGet(t, s, active); !g.EndsAt.Equal(t0) || !g.StartsAt.Equal(created) || g.State(t0) != StateExpired || !g.UpdatedAt.Equal(t0) {
		t.Errorf("expired active silence = %+v, want EndsAt = now", g)
	}
	if err := s.Expire(ctx, pending, t0); err != nil {
		t.Fatal(err)
	}
	if g := mustGet(t, s, pending); !g.EndsAt.Equal(t0) || !g.StartsAt.Equal(t0) || g.State(t0) != StateExpired {
		t.Errorf("expired pending silence = %+v, want StartsAt = EndsAt = now", g)
	}
	if !st.get(pending).EndsAt.Equal(t0) {
		t.Errorf("expiry not saved")
	}
	// EXP: expiring an expired silence succeeds and changes nothing.
	v, saves := s.Version(), st.saves
	if err := s.Expire(ctx, active, t0.Add(time.Minute)); err != nil {
		t.Errorf("Expire of an expired silence = %v, want nil", err)
	}
	if s.Version() != v || st.saves != saves || !mustGet(t, s, active).EndsAt.Equal(t0) {
		t.Errorf("Expire of an expired silence changed it")
	}
	if err := s.Expire(ctx, "nope", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("Expire(unknown) = %v, want ErrNotFound", err)
	}
}

func TestState(t *testing.T) {
	// ST: pending before StartsAt, active in [StartsAt, EndsAt), expired
	// from EndsAt on.
	s := &Silence{StartsAt: t0, EndsAt: t0.Add(time.Hour)}
	for _, tc := range []struct {
		at   time.Time
		want State
	}{
		{t0.Add(-time.Nanosecond), StatePending},
		{t0, StateActive},
		{t0.Add(time.Hour - time.Nanosecond), StateActive},
		{t0.Add(time.Hour), StateExpired},
	} {
		if got := s.State(tc.at); got != tc.want {
			t.Errorf("State(%v) = %s, want %s", tc.at, got, tc.want)
		}
	}
}

func TestStoreFailureChangesNothing(t *testing.T) {
	ctx := context.Background()
	s, st := newTest(t, Options{})
	id := mustSet(t, s, sil(t, `{job="a"}`, t0, t0.Add(time.Hour)), t0)
	v := s.Version()
	st.setFail(errDisk)

	if _, err := s.Set(ctx, sil(t, `{job="b"}`, t0, t0.Add(time.Hour)), t0); !errors.Is(err, errDisk) {
		t.Errorf("Set = %v, want the store's error", err)
	}
	upd := mustGet(t, s, id)
	upd.EndsAt = t0.Add(2 * time.Hour)
	if _, err := s.Set(ctx, upd, t0); !errors.Is(err, errDisk) {
		t.Errorf("Set (update) = %v, want the store's error", err)
	}
	if err := s.Expire(ctx, id, t0); !errors.Is(err, errDisk) {
		t.Errorf("Expire = %v, want the store's error", err)
	}
	if _, err := s.GC(ctx, t0.Add(1000*time.Hour)); !errors.Is(err, errDisk) {
		t.Errorf("GC = %v, want the store's error", err)
	}
	if s.Version() != v || len(s.Query(nil, t0)) != 1 || !mustGet(t, s, id).EndsAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("state changed although the store failed")
	}
	if _, err := New(ctx, Options{Store: st}); !errors.Is(err, errDisk) {
		t.Errorf("New = %v, want the store's error", err)
	}
}
