package amapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
)

// now is the fake clock of every test.
var now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// fakeSilences is an in-memory Silences with just enough of the real
// store's rules for the API's answers to be exercised: Set refuses a
// silence without matchers or with endsAt not after startsAt, an unknown
// ID is ErrNotFound, and a window named in windows mutes what its matchers
// select.
type fakeSilences struct {
	mu      sync.Mutex
	byID    map[string]*silence.Silence
	seq     int
	windows map[string]matcher.Matchers
	setErr  error // returned by Set when non-nil
	sets    []*silence.Silence
	nows    []time.Time
}

func newFake(ss ...*silence.Silence) *fakeSilences {
	f := &fakeSilences{byID: map[string]*silence.Silence{}, windows: map[string]matcher.Matchers{}}
	for _, s := range ss {
		f.byID[s.ID] = s
	}
	return f
}

func (f *fakeSilences) Set(_ context.Context, s *silence.Silence, now time.Time) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets = append(f.sets, s)
	f.nows = append(f.nows, now)
	c := *s
	if f.setErr != nil {
		return "", f.setErr
	}
	s = &c
	if len(s.Matchers) == 0 {
		return "", &silence.ValidationError{Msg: "invalid silence: at least one matcher required"}
	}
	if !s.StartsAt.Before(s.EndsAt) {
		return "", &silence.ValidationError{Msg: "start time must be before end time"}
	}
	if s.ID != "" {
		if _, ok := f.byID[s.ID]; !ok {
			return "", silence.ErrNotFound
		}
	} else {
		f.seq++
		s.ID = fmt.Sprintf("id-%d", f.seq)
	}
	s.UpdatedAt = now
	f.byID[s.ID] = s
	return s.ID, nil
}

func (f *fakeSilences) Expire(_ context.Context, id string, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.byID[id]
	if !ok {
		return silence.ErrNotFound
	}
	if s.State(now) == silence.StateExpired {
		return nil
	}
	if s.StartsAt.After(now) {
		s.StartsAt = now
	}
	s.EndsAt, s.UpdatedAt = now, now
	return nil
}

func (f *fakeSilences) Get(id string) (*silence.Silence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.byID[id]
	if !ok {
		return nil, silence.ErrNotFound
	}
	c := *s
	return &c, nil
}

// Query filters and sorts as the real store does (Alertmanager's rules).
func (f *fakeSilences) Query(filter matcher.Matchers, now time.Time) []*silence.Silence {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*silence.Silence
	for _, s := range f.byID {
		if hasMatchers(s.Matchers, filter) {
			c := *s
			out = append(out, &c)
		}
	}
	order := map[silence.State]int{silence.StateActive: 0, silence.StatePending: 1, silence.StateExpired: 2}
	slices.SortFunc(out, func(a, b *silence.Silence) int {
		sa, sb := a.State(now), b.State(now)
		if sa != sb {
			return order[sa] - order[sb]
		}
		switch sa {
		case silence.StateActive:
			return a.EndsAt.Compare(b.EndsAt)
		case silence.StatePending:
			return a.StartsAt.Compare(b.StartsAt)
		default:
			return b.EndsAt.Compare(a.EndsAt)
		}
	})
	return out
}

func hasMatchers(have, want matcher.Matchers) bool {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h *matcher.Matcher) bool {
			return h.Name == w.Name && h.Type == w.Type && h.Value == w.Value
		}) {
			return false
		}
	}
	return true
}

func (f *fakeSilences) MutedBy(ls model.LabelSet, now time.Time) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id, s := range f.byID {
		if s.State(now) == silence.StateActive && s.Matchers.Matches(ls) {
			out = append(out, id)
		}
	}
	for name, ms := range f.windows {
		if ms.Matches(ls) {
			out = append(out, silence.WindowPrefix+name)
		}
	}
	return out
}

func (f *fakeSilences) Preview(draft *silence.Silence, alerts []model.LabelSet, _ time.Time) []int {
	var out []int
	for i, ls := range alerts {
		if draft.Matchers.Matches(ls) {
			out = append(out, i)
		}
	}
	return out
}

func mustMatchers(t testing.TB, s string) matcher.Matchers {
	t.Helper()
	ms, err := matcher.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func sil(t testing.TB, id, ms string, start, end time.Time) *silence.Silence {
	t.Helper()
	return &silence.Silence{ID: id, Matchers: mustMatchers(t, ms), StartsAt: start, EndsAt: end,
		UpdatedAt: start, CreatedBy: "me", Comment: "c-" + id}
}

func firingAlert(name, instance string) *alert.Alert {
	return &alert.Alert{
		Labels:       model.LabelSet{"alertname": model.LabelValue(name), "instance": model.LabelValue(instance)},
		Annotations:  model.LabelSet{"summary": "s"},
		State:        alert.StateFiring,
		GeneratorURL: "http://prom/graph",
		ActiveAt:     now.Add(-10 * time.Minute),
		FiredAt:      now.Add(-5 * time.Minute),
		LastEvalAt:   now.Add(-time.Second),
	}
}

type fixture struct {
	api    *API
	fake   *fakeSilences
	alerts []*alert.Alert
}

// newFixture serves the fake with the given alerts; "team" receives
// everything, "pager" the alerts of instance "a", and alerts of instance
// "b" are inhibited.
func newFixture(t testing.TB, fake *fakeSilences, alerts ...*alert.Alert) *fixture {
	t.Helper()
	f := &fixture{fake: fake, alerts: alerts}
	api, err := New(Options{
		Silences: fake,
		Alerts:   func() []*alert.Alert { return f.alerts },
		InhibitedBy: func(ls model.LabelSet) []string {
			if ls["instance"] == "b" {
				return []string{"0123456789abcdef"}
			}
			return nil
		},
		Receivers: func(ls model.LabelSet) []string {
			if ls["instance"] == "a" {
				return []string{"team", "pager"}
			}
			return []string{"team"}
		},
		GroupsOf: func(ls model.LabelSet) []GroupRef {
			// team groups by alertname; pager (instance a) by instance.
			out := []GroupRef{{Key: "team:" + string(ls["alertname"]), Receiver: "team", Labels: model.LabelSet{"alertname": ls["alertname"]}}}
			if ls["instance"] == "a" {
				out = append(out, GroupRef{Key: "pager:a", Receiver: "pager", Labels: model.LabelSet{"instance": "a"}})
			}
			return out
		},
		Escalation: func(key string) (Escalation, bool) {
			if key != "pager:a" {
				return Escalation{}, false
			}
			return Escalation{Policy: "oncall", Reached: 1, Levels: 2, Start: now.Add(-5 * time.Minute),
				Next: now.Add(10 * time.Minute), NextLevel: 2, NextReceivers: []string{"lead"}}, true
		},
		TimeMutedBy: func(ls model.LabelSet, at time.Time) []string {
			if ls["instance"] == "e" && at.Equal(now) {
				return []string{"offhours"}
			}
			return nil
		},
		ReceiverNames: func() []string { return []string{"team", "pager"} },
		ConfigYAML:    func() string { return "route:\n  receiver: team\n" },
		Version:       "1.2.3",
		StartTime:     now.Add(-time.Hour),
		MaxBodyBytes:  4096,
		Now:           func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.api = api
	return f
}

// do serves one request and returns the status and the body.
func (f *fixture) do(t testing.TB, method, target, body string) (int, string, http.Header) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	f.api.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Header()
}

// decode unmarshals a JSON body, failing the test if it is not JSON.
func decode[T any](t testing.TB, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("not the expected JSON: %v\n%s", err, body)
	}
	return v
}

var errStore = errors.New("disk on fire")
