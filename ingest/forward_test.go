package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// leaderAPI is the leader's POST /api/v2/alerts as a test sees it: it
// checks each request as alerter's API would receive it and keeps the
// last body.
type leaderAPI struct {
	t        *testing.T
	token    string // the write token it wants ("": none)
	status   int
	answer   string
	requests atomic.Int64
	body     atomic.Pointer[[]byte]
}

func (l *leaderAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.requests.Add(1)
	if r.Method != http.MethodPost {
		l.t.Errorf("method %s, want POST", r.Method)
	}
	if r.URL.Path != "/api/v2/alerts" && r.URL.Path != "/prefix/api/v2/alerts" {
		l.t.Errorf("path %s, want /api/v2/alerts", r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		l.t.Errorf("Content-Type %q, want application/json", ct)
	}
	if v := r.Header.Get(ForwardedHeader); v != "1" {
		l.t.Errorf("%s %q, want 1", ForwardedHeader, v)
	}
	if ua := r.Header.Get("User-Agent"); ua != "alerter/test" {
		l.t.Errorf("User-Agent %q", ua)
	}
	want := ""
	if l.token != "" {
		want = "Bearer " + l.token
	}
	if got := r.Header.Get("Authorization"); got != want {
		l.t.Errorf("Authorization %q, want %q", got, want)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		l.t.Error(err)
	}
	l.body.Store(&b)
	if l.status != 0 {
		w.WriteHeader(l.status)
	}
	_, _ = io.WriteString(w, l.answer)
}

func newForwarder(leader, token string) *Forwarder {
	return NewForwarder(ForwarderOptions{
		Leader:    func(context.Context) (string, error) { return leader, nil },
		Token:     func() string { return token },
		UserAgent: "alerter/test",
	})
}

func TestForwarderSendsPostableAlerts(t *testing.T) {
	api := &leaderAPI{t: t, token: "write-tok"}
	srv := httptest.NewServer(api)
	defer srv.Close()
	starts := time.Date(2030, 5, 6, 7, 8, 9, 123000000, time.UTC)
	alerts := []Alert{
		{
			Labels:       model.LabelSet{"alertname": "Down", "instance": "a:9100"},
			Annotations:  model.LabelSet{"summary": "a is down"},
			StartsAt:     starts,
			EndsAt:       starts.Add(time.Hour),
			GeneratorURL: "http://prom.example.com/graph?g0.expr=up",
		},
		// Only labels: nothing else is sent.
		{Labels: model.LabelSet{"alertname": "Bare"}},
	}
	if err := newForwarder(srv.URL, "write-tok").Push(t.Context(), alerts); err != nil {
		t.Fatal(err)
	}
	if n := api.requests.Load(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	body := *api.body.Load()
	var got []map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("the body is not a JSON array of objects: %v\n%s", err, body)
	}
	want := []map[string]any{
		{
			"labels":       map[string]any{"alertname": "Down", "instance": "a:9100"},
			"annotations":  map[string]any{"summary": "a is down"},
			"startsAt":     "2030-05-06T07:08:09.123Z",
			"endsAt":       "2030-05-06T08:08:09.123Z",
			"generatorURL": "http://prom.example.com/graph?g0.expr=up",
		},
		{"labels": map[string]any{"alertname": "Bare"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body\n%s\nwant %v", body, want)
	}
	// What the leader decodes is what was pushed here.
	back, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, alerts) {
		t.Errorf("decoded %+v, want %+v", back, alerts)
	}
}

// TestForwarderLeaderAddress: the leader's address may have a path (a
// reverse proxy's prefix); without a write token no Authorization goes.
func TestForwarderLeaderAddress(t *testing.T) {
	api := &leaderAPI{t: t}
	srv := httptest.NewServer(api)
	defer srv.Close()
	for _, leader := range []string{srv.URL, srv.URL + "/", srv.URL + "/prefix", srv.URL + "/prefix/"} {
		if err := newForwarder(leader, "").Push(t.Context(), []Alert{{Labels: model.LabelSet{"a": "b"}}}); err != nil {
			t.Errorf("leader %s: %v", leader, err)
		}
	}
	if n := api.requests.Load(); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}

func TestForwarderErrors(t *testing.T) {
	push := []Alert{{Labels: model.LabelSet{"alertname": "X"}}}
	for _, tc := range []struct {
		name   string
		status int
		answer string
		// leader, when set, replaces the test server's address.
		leader    func(context.Context) (string, error)
		badReq    string // the RequestError's message, if one
		unavail   bool
		errSubstr string
	}{
		{name: "the leader refuses the alerts", status: 400, answer: "\"alerts[0].labels: invalid label name\"\n",
			badReq: "alerts[0].labels: invalid label name"},
		{name: "the leader fails", status: 500, unavail: true, errSubstr: "500"},
		{name: "the leader refuses the token", status: 401, unavail: true, errSubstr: "401"},
		{name: "the leader is not ready", status: 503, unavail: true, errSubstr: "503"},
		{name: "no leader known", leader: func(context.Context) (string, error) { return "", errors.New("no replica leads now") },
			unavail: true, errSubstr: "no replica leads now"},
		{name: "a bad leader address", leader: func(context.Context) (string, error) { return "http://[::1", nil },
			unavail: true, errSubstr: "leader address"},
		{name: "the leader is unreachable", leader: func(context.Context) (string, error) { return "http://127.0.0.1:1", nil },
			unavail: true, errSubstr: "forwarding pushed alerts to the leader"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &leaderAPI{t: t, status: tc.status, answer: tc.answer}
			srv := httptest.NewServer(api)
			defer srv.Close()
			f := newForwarder(srv.URL, "")
			if tc.leader != nil {
				f.opts.Leader = tc.leader
			}
			err := f.Push(t.Context(), push)
			if err == nil {
				t.Fatal("no error")
			}
			var re *RequestError
			if isReq := errors.As(err, &re); isReq != (tc.badReq != "") {
				t.Fatalf("RequestError %v: %v", isReq, err)
			} else if isReq && re.Msg != tc.badReq {
				t.Errorf("message %q, want %q", re.Msg, tc.badReq)
			}
			if got := errors.Is(err, ErrUnavailable); got != tc.unavail {
				t.Errorf("ErrUnavailable %v, want %v: %v", got, tc.unavail, err)
			}
			if !strings.Contains(err.Error(), tc.errSubstr) {
				t.Errorf("error %q does not say %q", err, tc.errSubstr)
			}
		})
	}
}

// TestForwarderTimeout: a leader that never answers costs at most the
// timeout, and the sender is told to retry.
func TestForwarderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	f := newForwarder(srv.URL, "")
	f.opts.Timeout = 50 * time.Millisecond
	if err := f.Push(t.Context(), []Alert{{Labels: model.LabelSet{"a": "b"}}}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
}

func TestMarkForwarded(t *testing.T) {
	var seen bool
	h := MarkForwarded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = Forwarded(r.Context()) }))
	for _, tc := range []struct {
		header string
		want   bool
	}{{"", false}, {"1", true}, {"yes", true}} {
		r := httptest.NewRequest(http.MethodPost, "/api/v2/alerts", nil)
		if tc.header != "" {
			r.Header.Set(ForwardedHeader, tc.header)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != tc.want {
			t.Errorf("header %q: Forwarded %v, want %v", tc.header, seen, tc.want)
		}
	}
	if Forwarded(context.Background()) {
		t.Error("a plain context is Forwarded")
	}
}

// TestForwarderNoLoop puts two replicas that each think the other leads
// in front of each other: a push goes from the first to the second, which
// refuses it instead of sending it back; the sender is told to retry.
func TestForwarderNoLoop(t *testing.T) {
	var requests atomic.Int64
	var addrA, addrB atomic.Pointer[string]
	replica := func(other *atomic.Pointer[string]) http.Handler {
		f := NewForwarder(ForwarderOptions{
			Leader:    func(context.Context) (string, error) { return *other.Load(), nil },
			UserAgent: "alerter/test",
		})
		return MarkForwarded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			b, _ := io.ReadAll(r.Body)
			alerts, err := Decode(b)
			if err == nil {
				err = f.Push(r.Context(), alerts)
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
			}
		}))
	}
	a := httptest.NewServer(replica(&addrB))
	defer a.Close()
	b := httptest.NewServer(replica(&addrA))
	defer b.Close()
	addrA.Store(&a.URL)
	addrB.Store(&b.URL)

	// A client pushes to a, which forwards to b, which must stop there.
	resp, err := http.Post(a.URL+"/api/v2/alerts", "application/json", strings.NewReader(`[{"labels":{"alertname":"X"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503: %s", resp.StatusCode, msg)
	}
	if !strings.Contains(string(msg), "the leader answered 503") {
		t.Errorf("answer %q", msg)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d requests between the replicas and the client, want 2 (client to a, a to b)", n)
	}
	// Already forwarded: refused without a request.
	ctx := context.WithValue(t.Context(), forwardedKey{}, true)
	f := newForwarder(a.URL, "")
	if err := f.Push(ctx, []Alert{{Labels: model.LabelSet{"a": "b"}}}); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "forwarded to it by another") {
		t.Errorf("a forwarded push: %v", err)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("a forwarded push was sent on (%d requests)", n)
	}
}
