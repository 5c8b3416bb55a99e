package notifiers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/webhook"
)

// sink is a local webhook receiver. Requests are answered with the
// status that respond returns for the request's number (0-based).
type sink struct {
	*httptest.Server
	mu       sync.Mutex
	n        int
	accepted []webhook.Payload
	auth     []string
	respond  func(n int, r *http.Request) int
}

func newSink(t *testing.T, respond func(n int, r *http.Request) int) *sink {
	t.Helper()
	s := &sink{respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body) // Before respond: a hanging handler must see the client go.
		if err != nil {
			t.Errorf("reading request: %v", err)
		}
		s.mu.Lock()
		n := s.n
		s.n++
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		code := http.StatusOK
		if s.respond != nil {
			code = s.respond(n, r)
		}
		if code == http.StatusOK {
			var p webhook.Payload
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&p); err != nil {
				t.Errorf("decoding payload: %v", err)
				code = http.StatusBadRequest
			}
			s.mu.Lock()
			s.accepted = append(s.accepted, p)
			s.mu.Unlock()
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sink) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// sequence returns, per group key, "instance/status" of every alert
// accepted, in the order received.
func (s *sink) sequence() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]string{}
	for _, p := range s.accepted {
		for _, a := range p.Alerts {
			out[p.GroupKey] = append(out[p.GroupKey], a.Labels["instance"]+"/"+a.Status)
		}
	}
	return out
}

func webhookFor(t *testing.T, base string, httpConfig *config.HTTPClientConfig) *webhook.Notifier {
	t.Helper()
	u, err := url.Parse(base + "/hook")
	if err != nil {
		t.Fatal(err)
	}
	n, err := webhook.New(webhook.Options{
		Config:   &webhook.Config{URL: &config.URL{URL: u}, HTTPConfig: httpConfig},
		Receiver: "team", UserAgent: "alerter/test",
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fastOptions polls and backs off in milliseconds, for tests on real time.
func fastOptions(ob notifiers.Outbox, in notifiers.Integration, reg prometheus.Registerer) notifiers.DelivererOptions {
	return notifiers.DelivererOptions{
		Outbox: ob, Receiver: "team", Integrations: []notifiers.Integration{in}, Registerer: reg,
		PollInterval: 20 * time.Millisecond, InitialBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond,
	}
}

// TestWebhookDownThenUp: the receiver answers 503 at first; once it is up
// everything arrives, each group in order, and nothing twice.
func TestWebhookDownThenUp(t *testing.T) {
	s := newSink(t, func(n int, _ *http.Request) int {
		if n < 4 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	ob := newFakeOutbox()
	ob.add(
		event(alert.EventFiring, "A", "1"),
		event(alert.EventFiring, "B", "1"),
		event(alert.EventFiring, "A", "2"),
		event(alert.EventResolved, "A", "1"),
	)
	in := webhookFor(t, s.URL, &config.HTTPClientConfig{Authorization: &config.Authorization{Type: "Bearer", Credentials: "tok"}})
	reg := prometheus.NewRegistry()
	d := newDeliverer(t, fastOptions(ob, in, reg))
	stop := start(t, d)
	defer stop()
	ob.waitDrained(t, 10*time.Second)

	ob.add(event(alert.EventResolved, "B", "1"), event(alert.EventResolved, "A", "2"))
	d.Wake()
	ob.waitDrained(t, 10*time.Second)

	want := map[string][]string{
		keyA: {"1/firing", "2/firing", "1/resolved", "2/resolved"},
		keyB: {"1/firing", "1/resolved"},
	}
	got := s.sequence()
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("group %s received %v, want %v", k, got[k], w)
		}
	}
	for i, a := range s.auth {
		if a != "Bearer tok" {
			t.Errorf("request %d: Authorization %q", i, a)
		}
	}
	ri := map[string]string{"receiver": "team", "integration": "webhook"}
	total, _ := metricValue(t, reg, "alerter_notifications_total", ri)
	if int(total) != s.requests() {
		t.Errorf("alerter_notifications_total %v, receiver saw %d requests", total, s.requests())
	}
	checkMetric(t, reg, "alerter_notifications_failed_total",
		map[string]string{"receiver": "team", "integration": "webhook", "reason": "retryable"}, 4)
}

func TestWebhookBadRequestIsNotRetried(t *testing.T) {
	s := newSink(t, func(int, *http.Request) int { return http.StatusBadRequest })
	ob := newFakeOutbox()
	ob.add(event(alert.EventFiring, "A", "1"), event(alert.EventFiring, "A", "2"))
	reg := prometheus.NewRegistry()
	var logs lockedBuffer
	o := fastOptions(ob, webhookFor(t, s.URL, nil), reg)
	o.Logger = logs.logger()
	stop := start(t, newDeliverer(t, o))
	ob.waitDrained(t, 10*time.Second)
	stop()
	if n := s.requests(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	checkMetric(t, reg, "alerter_notifications_failed_total",
		map[string]string{"receiver": "team", "integration": "webhook", "reason": "permanent"}, 1)
	if logs.String() == "" {
		t.Error("permanent failure not logged")
	}
}

// TestWebhookCancelLeavesNoGoroutine cancels Run while a request hangs.
func TestWebhookCancelLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	arrived := make(chan struct{}, 1)
	s := newSink(t, func(_ int, r *http.Request) int {
		// Never block here: a retry after a client-side timeout must not
		// wedge the handler, or s.Close would wait for it forever.
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done()
		return http.StatusOK
	})
	ob := newFakeOutbox()
	ob.add(event(alert.EventFiring, "A", "1"))
	stop := start(t, newDeliverer(t, fastOptions(ob, webhookFor(t, s.URL, nil), nil)))
	<-arrived
	stop()
	s.Close()
	if ob.depth() != 1 {
		t.Error("event marked although the request was cancelled")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond) // Goroutine exit has no event to wait on.
	}
}
