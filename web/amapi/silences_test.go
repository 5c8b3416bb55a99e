package amapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/silence"
)

// jsonEqual compares two JSON texts by value.
func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v\n%s", err, want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("JSON differs\n got: %s\nwant: %s", gb, wb)
	}
}

func TestGettableSilenceShape(t *testing.T) {
	s := sil(t, "s1", `alertname="Disk", instance=~"db.*", env!="dev", job!~"x|y"`, now.Add(-time.Hour), now.Add(time.Hour))
	s.StartsAt = s.StartsAt.Add(1234567 * time.Nanosecond) // written with milliseconds
	f := newFixture(t, newFake(s))
	code, body, h := f.do(t, http.MethodGet, "/api/v2/silence/s1", "")
	if code != http.StatusOK || h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v %s", code, h, body)
	}
	// Alertmanager's gettableSilence, field for field; no untilResolved
	// when false.
	jsonEqual(t, body, `{
		"id": "s1",
		"status": {"state": "active"},
		"updatedAt": "2026-03-01T09:00:00.000Z",
		"matchers": [
			{"name": "alertname", "value": "Disk", "isRegex": false, "isEqual": true},
			{"name": "instance", "value": "db.*", "isRegex": true, "isEqual": true},
			{"name": "env", "value": "dev", "isRegex": false, "isEqual": false},
			{"name": "job", "value": "x|y", "isRegex": true, "isEqual": false}
		],
		"startsAt": "2026-03-01T09:00:00.001Z",
		"endsAt": "2026-03-01T11:00:00.000Z",
		"createdBy": "me",
		"comment": "c-s1"
	}`)

	s.UntilResolved = true
	s.UpdatedAt = now
	_, body, _ = f.do(t, http.MethodGet, "/api/v2/silence/s1", "")
	if g := decode[map[string]any](t, body); g["untilResolved"] != true {
		t.Fatalf("untilResolved not written: %s", body)
	}
}

func TestGetSilencesSortAndFilter(t *testing.T) {
	h := time.Hour
	fake := newFake(
		sil(t, "expired-old", `alertname="A"`, now.Add(-5*h), now.Add(-3*h)),
		sil(t, "active-late", `alertname="A", team="x"`, now.Add(-h), now.Add(3*h)),
		sil(t, "pending-late", `alertname="B"`, now.Add(2*h), now.Add(4*h)),
		sil(t, "expired-new", `alertname=~"A"`, now.Add(-5*h), now.Add(-h)),
		sil(t, "active-soon", `alertname="A"`, now.Add(-h), now.Add(h)),
		sil(t, "pending-soon", `alertname!="A"`, now.Add(h), now.Add(4*h)),
		sil(t, "ends-now", `alertname="C"`, now.Add(-h), now),
	)
	f := newFixture(t, fake)
	for _, tc := range []struct {
		name   string
		filter []string
		want   []string
	}{
		{"all, in Alertmanager's order", nil,
			[]string{"active-soon", "active-late", "pending-soon", "pending-late", "ends-now", "expired-new", "expired-old"}},
		{"equal matcher, compared as written", []string{`alertname=A`},
			[]string{"active-soon", "active-late", "expired-old"}},
		{"quoted and braces-free", []string{`alertname="A"`, `team="x"`}, []string{"active-late"}},
		{"regex is another matcher", []string{`alertname=~A`}, []string{"expired-new"}},
		{"negative", []string{`alertname!=A`}, []string{"pending-soon"}},
		{"not a silence matcher", []string{`alertname=Z`}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"filter": tc.filter}
			code, body, _ := f.do(t, http.MethodGet, "/api/v2/silences?"+q.Encode(), "")
			if code != http.StatusOK {
				t.Fatalf("%d %s", code, body)
			}
			got := []string{}
			for _, s := range decode[[]gettableSilence](t, body) {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	code, body, _ := f.do(t, http.MethodGet, "/api/v2/silences?filter="+url.QueryEscape(`{alertname="A"`), "")
	if code != http.StatusBadRequest || !strings.Contains(decode[string](t, body), "bad matcher format") {
		t.Fatalf("bad filter: %d %s", code, body)
	}
	// No silences at all: an empty array, never null.
	_, body, _ = newFixture(t, newFake()).do(t, http.MethodGet, "/api/v2/silences", "")
	if strings.TrimSpace(body) != "[]" {
		t.Fatalf("empty list is %s", body)
	}
}

func TestGetAndDeleteSilence(t *testing.T) {
	h := time.Hour
	for _, tc := range []struct {
		name, method, id string
		expireErr        error
		wantCode         int
		wantBody         string // a JSON string's content, or "" for no body
	}{
		{"get unknown", http.MethodGet, "nope", nil, http.StatusNotFound, ""},
		{"delete active", http.MethodDelete, "active", nil, http.StatusOK, ""},
		{"delete pending", http.MethodDelete, "pending", nil, http.StatusOK, ""},
		{"delete unknown", http.MethodDelete, "nope", nil, http.StatusNotFound, ""},
		{"delete expired: idempotent", http.MethodDelete, "expired", nil, http.StatusOK, ""},
		// The cause is logged, never answered: store errors name internals.
		{"store fails", http.MethodDelete, "active", errStore, http.StatusInternalServerError, "the silence could not be stored; the cause is in alerter's log"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(
				sil(t, "active", `a="1"`, now.Add(-h), now.Add(h)),
				sil(t, "pending", `a="1"`, now.Add(h), now.Add(2*h)),
				sil(t, "expired", `a="1"`, now.Add(-2*h), now.Add(-h)),
			)
			var api Silences = fake
			if tc.expireErr != nil {
				api = failingExpire{fake, tc.expireErr}
			}
			f := newFixture(t, fake)
			f.api.o.Silences = api
			code, body, _ := f.do(t, tc.method, "/api/v2/silence/"+tc.id, "")
			if code != tc.wantCode {
				t.Fatalf("code %d, want %d: %s", code, tc.wantCode, body)
			}
			if tc.wantBody == "" && body != "" {
				t.Fatalf("body %q, want none", body)
			}
			if tc.wantBody != "" && decode[string](t, body) != tc.wantBody {
				t.Fatalf("body %s, want %q", body, tc.wantBody)
			}
			if tc.method == http.MethodDelete && code == http.StatusOK {
				s, _ := fake.Get(tc.id)
				if s.State(now) != silence.StateExpired {
					t.Fatalf("not expired: %+v", s)
				}
			}
		})
	}
}

type failingExpire struct {
	*fakeSilences
	err error
}

func (f failingExpire) Expire(context.Context, string, time.Time) error { return f.err }

func TestPostSilence(t *testing.T) {
	const valid = `{"matchers":[{"name":"alertname","value":"Disk","isRegex":false,"isEqual":true}],
		"startsAt":"2026-03-01T10:00:00.123456789Z","endsAt":"2026-03-01T11:00:00Z","createdBy":"me","comment":"disk work"}`
	existing := func(t *testing.T) *silence.Silence {
		s := sil(t, "old", `alertname="Disk"`, now.Add(-time.Hour), now.Add(time.Hour))
		s.UntilResolved = true
		return s
	}
	for _, tc := range []struct {
		name     string
		body     string
		setErr   error
		wantCode int
		// wantErr is the message: a JSON string for handler errors, the
		// "message" of a {"code","message"} object when wantErrCode != 0.
		wantErr     string
		wantErrCode int
		check       func(t *testing.T, s *silence.Silence)
	}{
		{name: "create", body: valid, wantCode: 200, check: func(t *testing.T, s *silence.Silence) {
			if s.ID != "" || s.CreatedBy != "me" || s.Comment != "disk work" || s.UntilResolved ||
				s.Matchers.String() != `{alertname="Disk"}` {
				t.Fatalf("%+v", s)
			}
			if !s.StartsAt.Equal(time.Date(2026, 3, 1, 10, 0, 0, 123000000, time.UTC)) || !s.EndsAt.Equal(now.Add(time.Hour)) {
				t.Fatalf("times %v %v: want them at millisecond precision", s.StartsAt, s.EndsAt)
			}
		}},
		{name: "isEqual absent means equal; regex; negative", wantCode: 200,
			body: `{"matchers":[{"name":"a","value":"x.*","isRegex":true},{"name":"b","value":"y","isRegex":false,"isEqual":false},{"name":"c","value":"z","isRegex":true,"isEqual":false}],
				"startsAt":"2026-03-01T10:00:00Z","endsAt":"2026-03-01T12:00:00+01:00","createdBy":"","comment":""}`,
			check: func(t *testing.T, s *silence.Silence) {
				if s.Matchers.String() != `{a=~"x.*",b!="y",c!~"z"}` {
					t.Fatalf("%s", s.Matchers)
				}
			}},
		{name: "other date-time forms", wantCode: 200,
			body: `{"matchers":[{"name":"a","value":"x","isRegex":false}],"startsAt":"2026-03-01T10:00:00.5+0100","endsAt":"2026-03-01T12:00:00","createdBy":"me","comment":"c"}`,
			check: func(t *testing.T, s *silence.Silence) {
				if !s.StartsAt.Equal(time.Date(2026, 3, 1, 9, 0, 0, 5e8, time.UTC)) || !s.EndsAt.Equal(now.Add(2*time.Hour)) {
					t.Fatalf("%v %v", s.StartsAt, s.EndsAt)
				}
			}},
		{name: "untilResolved", wantCode: 200, body: strings.Replace(valid, `"comment"`, `"untilResolved":true,"comment"`, 1),
			check: func(t *testing.T, s *silence.Silence) {
				if !s.UntilResolved {
					t.Fatal("untilResolved dropped")
				}
			}},
		{name: "update keeps untilResolved when left out", wantCode: 200, body: strings.Replace(valid, `{"matchers"`, `{"id":"old","matchers"`, 1),
			check: func(t *testing.T, s *silence.Silence) {
				if s.ID != "old" || !s.UntilResolved {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "update clears untilResolved when false", wantCode: 200,
			body: strings.Replace(valid, `{"matchers"`, `{"id":"old","untilResolved":false,"matchers"`, 1),
			check: func(t *testing.T, s *silence.Silence) {
				if s.UntilResolved {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "a gettableSilence posted back", wantCode: 200,
			body: `{"id":"old","status":{"state":"active"},"updatedAt":"2026-03-01T09:00:00.000Z","comment":"c","createdBy":"me",
				"endsAt":"2026-03-01T12:00:00.000Z","matchers":[{"isEqual":true,"isRegex":false,"name":"alertname","value":"Disk"}],"startsAt":"2026-03-01T09:00:00.000Z"}`},
		{name: "unknown id", body: strings.Replace(valid, `{"matchers"`, `{"id":"nope","matchers"`, 1),
			wantCode: 404, wantErr: "silence not found"},
		{name: "store refuses", body: strings.Replace(valid, `"endsAt":"2026-03-01T11:00:00Z"`, `"endsAt":"2026-03-01T09:00:00Z"`, 1),
			wantCode: 400, wantErr: "start time must be before end time"},
		{name: "store fails", body: valid, setErr: errStore, wantCode: 500, wantErr: "the cause is in alerter's log"},
		{name: "bad regex", body: strings.Replace(valid, `"value":"Disk","isRegex":false`, `"value":"(","isRegex":true`, 1),
			wantCode: 400, wantErr: "invalid silence: invalid label matcher 0: invalid regular expression"},
		{name: "empty label name", body: strings.Replace(valid, `"name":"alertname"`, `"name":""`, 1),
			wantCode: 400, wantErr: "invalid silence: invalid label matcher 0: empty label name"},
		{name: "bad startsAt", body: strings.Replace(valid, `"2026-03-01T10:00:00.123456789Z"`, `"yesterday"`, 1),
			wantCode: 400, wantErrCode: 400, wantErr: `parsing silence body failed, because startsAt "yesterday" is not a date-time`},
		{name: "startsAt a number", body: strings.Replace(valid, `"2026-03-01T10:00:00.123456789Z"`, `12`, 1),
			wantCode: 400, wantErrCode: 400, wantErr: "startsAt must be a string, not a JSON number"},
		{name: "isRegex a string", body: strings.Replace(valid, `"isRegex":false`, `"isRegex":"no"`, 1),
			wantCode: 400, wantErrCode: 400, wantErr: "matchers.isRegex must be a boolean, not a JSON string"},
		{name: "not JSON", body: `{"matchers":`, wantCode: 400, wantErrCode: 400, wantErr: "parsing silence body failed, because"},
		{name: "syntax error", body: `{"matchers" 1}`, wantCode: 400, wantErrCode: 400, wantErr: "it is not valid JSON"},
		{name: "an array", body: `[` + valid + `]`, wantCode: 400, wantErrCode: 400, wantErr: "the body must be an object, not a JSON array"},
		{name: "trailing data", body: valid + `{}`, wantCode: 400, wantErrCode: 400, wantErr: "more data after the JSON object"},
		{name: "no body", body: "", wantCode: 422, wantErrCode: codeRequired, wantErr: "silence in body is required"},
		{name: "missing fields", body: `{"matchers":[{"name":"a"}]}`, wantCode: 422, wantErrCode: codeRequired,
			wantErr: "comment in body is required; createdBy in body is required; endsAt in body is required; " +
				"matchers.0.isRegex in body is required; matchers.0.value in body is required; startsAt in body is required"},
		{name: "null comment", body: strings.Replace(valid, `"disk work"`, `null`, 1), wantCode: 422, wantErrCode: codeRequired,
			wantErr: "comment in body is required"},
		{name: "no matchers", body: strings.Replace(valid, `"matchers":[{"name":"alertname","value":"Disk","isRegex":false,"isEqual":true}]`, `"matchers":[]`, 1),
			wantCode: 422, wantErrCode: codeTooShort, wantErr: "matchers in body should have at least 1 items"},
		{name: "too large", body: `{"comment":"` + strings.Repeat("x", 5000) + `"}`, wantCode: 413, wantErrCode: 413,
			wantErr: "request body is larger than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(existing(t))
			fake.setErr = tc.setErr
			f := newFixture(t, fake)
			code, body, _ := f.do(t, http.MethodPost, "/api/v2/silences", tc.body)
			if code != tc.wantCode {
				t.Fatalf("code %d, want %d: %s", code, tc.wantCode, body)
			}
			switch {
			case code == http.StatusOK:
				got := decode[map[string]string](t, body)
				if got["silenceID"] == "" || len(got) != 1 {
					t.Fatalf("body %s", body)
				}
			case tc.wantErrCode != 0:
				e := decode[codeError](t, body)
				if e.Code != tc.wantErrCode || !strings.Contains(e.Message, tc.wantErr) {
					t.Fatalf("got %+v, want code %d and %q", e, tc.wantErrCode, tc.wantErr)
				}
			default:
				if msg := decode[string](t, body); !strings.Contains(msg, tc.wantErr) {
					t.Fatalf("message %q, want %q", msg, tc.wantErr)
				}
			}
			if tc.check != nil {
				if len(fake.sets) != 1 {
					t.Fatalf("%d Set calls", len(fake.sets))
				}
				tc.check(t, fake.sets[0])
			}
			for _, n := range fake.nows {
				if !n.Equal(now) || n.Nanosecond()%int(time.Millisecond) != 0 {
					t.Fatalf("Set called at %v", n)
				}
			}
		})
	}
}

// TestPostSilenceNowTruncated: Set is called at millisecond precision, so
// that a start time defaulted to now is written back exactly.
func TestPostSilenceNowTruncated(t *testing.T) {
	fake := newFake()
	f := newFixture(t, fake)
	f.api.o.Now = func() time.Time { return now.Add(1234567 * time.Nanosecond) }
	code, body, _ := f.do(t, http.MethodPost, "/api/v2/silences",
		`{"matchers":[{"name":"a","value":"x","isRegex":false}],"startsAt":"2026-03-01T10:00:00Z","endsAt":"2026-03-01T11:00:00Z","createdBy":"me","comment":"c"}`)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if want := now.Add(time.Millisecond); !fake.nows[0].Equal(want) {
		t.Fatalf("Set at %v, want %v", fake.nows[0], want)
	}
}

// TestSilenceRoundTrip: what GET returns, posted back with its id, is the
// same silence (what amtool silence update and import do).
func TestSilenceRoundTrip(t *testing.T) {
	fake := newFake()
	f := newFixture(t, fake)
	code, body, _ := f.do(t, http.MethodPost, "/api/v2/silences",
		`{"matchers":[{"name":"a","value":"x|y","isRegex":true,"isEqual":false}],"startsAt":"2026-03-01T10:00:00.25Z","endsAt":"2026-03-01T11:00:00Z","createdBy":"me","comment":"c"}`)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	id := decode[map[string]string](t, body)["silenceID"]
	_, got, _ := f.do(t, http.MethodGet, "/api/v2/silence/"+id, "")
	code, body, _ = f.do(t, http.MethodPost, "/api/v2/silences", got)
	if code != 200 || decode[map[string]string](t, body)["silenceID"] != id {
		t.Fatalf("%d %s", code, body)
	}
	a, b := fake.sets[0], fake.sets[1]
	if !a.StartsAt.Equal(b.StartsAt) || !a.EndsAt.Equal(b.EndsAt) || a.Matchers.String() != b.Matchers.String() ||
		a.Comment != b.Comment || a.CreatedBy != b.CreatedBy {
		t.Fatalf("round trip changed the silence:\n%+v\n%+v", a, b)
	}
}

func TestPreviewSilence(t *testing.T) {
	pending := firingAlert("Disk", "p")
	pending.State = 1 // alert.StatePending: not an Alertmanager alert
	f := newFixture(t, newFake(), firingAlert("Disk", "a"), firingAlert("Disk", "b"), firingAlert("CPU", "a"), pending)
	for _, tc := range []struct {
		name, body string
		wantCode   int
		want       []string // instance labels, in fingerprint order
	}{
		{"matchers only", `{"matchers":[{"name":"alertname","value":"Disk","isRegex":false}]}`, 200, []string{"a", "b"}},
		{"a full silence", `{"matchers":[{"name":"instance","value":"a","isRegex":false}],"startsAt":"2026-03-01T10:00:00Z","endsAt":"2026-03-01T11:00:00Z","createdBy":"me","comment":"c"}`, 200, []string{"a", "a"}},
		{"nothing matches", `{"matchers":[{"name":"alertname","value":"Nope","isRegex":false}]}`, 200, []string{}},
		{"no matchers", `{"comment":"c"}`, 422, nil},
		{"bad regex", `{"matchers":[{"name":"a","value":"[","isRegex":true}]}`, 400, nil},
		{"bad JSON", `{`, 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := f.do(t, http.MethodPost, "/api/v2/silences/preview", tc.body)
			if code != tc.wantCode {
				t.Fatalf("code %d, want %d: %s", code, tc.wantCode, body)
			}
			if code != 200 {
				return
			}
			got := decode[struct {
				Alerts []gettableAlert `json:"alerts"`
			}](t, body)
			inst := []string{}
			for _, a := range got.Alerts {
				inst = append(inst, string(a.Labels["instance"]))
			}
			slices.Sort(inst)
			if !slices.Equal(inst, tc.want) {
				t.Fatalf("got %v, want %v\n%s", inst, tc.want, body)
			}
		})
	}
}

func TestPathsAndMethods(t *testing.T) {
	f := newFixture(t, newFake(sil(t, "s1", `a="1"`, now, now.Add(time.Hour))))
	for _, tc := range []struct {
		method, path string
		wantCode     int
		wantAllow    string
		wantMsg      string
	}{
		{http.MethodGet, "/api/v2/nope", 404, "", "path /api/v2/nope was not found"},
		{http.MethodGet, "/api/v2/silence/", 404, "", "was not found"},
		{http.MethodPut, "/api/v2/silences", 405, "GET,POST", "method PUT is not allowed, but [GET,POST] are"},
		{http.MethodPost, "/api/v2/silence/s1", 405, "DELETE,GET", "method POST is not allowed"},
		{http.MethodGet, "/api/v2/silences/preview", 405, "POST", "method GET is not allowed"},
		{http.MethodPost, "/api/v2/alerts", 405, "GET", "does not accept pushed alerts"},
		{http.MethodHead, "/api/v2/silences", 200, "", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			code, body, h := f.do(t, tc.method, tc.path, "")
			if code != tc.wantCode || h.Get("Allow") != tc.wantAllow {
				t.Fatalf("%d allow %q: %s", code, h.Get("Allow"), body)
			}
			if tc.wantMsg != "" {
				e := decode[codeError](t, body)
				if e.Code != tc.wantCode || !strings.Contains(e.Message, tc.wantMsg) {
					t.Fatalf("%+v", e)
				}
			}
		})
	}
}

func TestNewRequiresSilencesAndAlerts(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without Silences and Alerts succeeded")
	}
}

var _ Silences = (*fakeSilences)(nil)
