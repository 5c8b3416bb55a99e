package webhooksink

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func startSink(t *testing.T, opts Options) (*Sink, string) {
	t.Helper()
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func fixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/alertmanager_v4.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// payload renders a minimal valid payload with one alert.
func payload(t *testing.T, status, alertname string) string {
	t.Helper()
	p := Payload{
		Version: "4", Receiver: "r", Status: status, GroupKey: "{}:{}",
		Alerts: []Alert{{Status: status, Labels: map[string]string{"alertname": alertname}}},
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodesAlertmanagerPayload(t *testing.T) {
	s, url := startSink(t, Options{})
	if code := post(t, url, fixture(t)); code != http.StatusOK {
		t.Fatalf("status %d, errors %v", code, s.Errors())
	}
	got := s.Payloads()
	if len(got) != 1 {
		t.Fatalf("got %d payloads, want 1", len(got))
	}
	p := got[0]
	if p.Receiver != "team-x" || p.Status != StatusFiring || p.Version != "4" ||
		p.GroupKey != `{}:{alertname="HighCPU"}` || p.ExternalURL != "http://127.0.0.1:9095" ||
		p.GroupLabels["alertname"] != "HighCPU" || p.CommonLabels["alertname"] != "HighCPU" {
		t.Errorf("payload fields: %+v", p)
	}
	if len(p.Alerts) != 2 {
		t.Fatalf("got %d alerts, want 2", len(p.Alerts))
	}
	a := p.Alerts[0]
	wantStart := time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC)
	if a.Status != StatusFiring || a.Labels["instance"] != "web-1" || a.Annotations["summary"] == "" ||
		!a.StartsAt.Equal(wantStart) || !a.EndsAt.IsZero() || a.Fingerprint != "3d8d8cd2b8f5a7c1" ||
		a.GeneratorURL == "" {
		t.Errorf("alert fields: %+v", a)
	}
	if p.Header.Get("Content-Type") != "application/json" || p.ReceivedAt.IsZero() {
		t.Errorf("request metadata not kept: %v %v", p.Header, p.ReceivedAt)
	}
}

func TestRejectsMalformed(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"not json", "{", "decoding payload"},
		{"unknown field", `{"version":"4","bogus":1}`, "unknown field"},
		{"wrong version", strings.Replace(payload(t, "firing", "A"), `"version":"4"`, `"version":"3"`, 1), "version"},
		{"bad alert status", strings.Replace(payload(t, "firing", "A"), `"status":"firing","labels"`, `"status":"active","labels"`, 1), "alerts[0]: status"},
		{"inconsistent status", strings.Replace(payload(t, "firing", "A"), `"status":"firing","alerts"`, `"status":"resolved","alerts"`, 1), "given its alerts"},
		{"no alertname", strings.Replace(payload(t, "firing", "A"), `"alertname":"A"`, `"job":"A"`, 1), "no alertname"},
		{"trailing data", payload(t, "firing", "A") + "{}", "after the JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, url := startSink(t, Options{})
			if code := post(t, url, tt.body); code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", code)
			}
			errs := s.Errors()
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("errors %v, want one containing %q", errs, tt.want)
			}
			if len(s.Payloads()) != 0 {
				t.Error("malformed payload was stored")
			}
		})
	}
}

func TestLenientAcceptsUnknownFields(t *testing.T) {
	s, url := startSink(t, Options{Lenient: true})
	if code := post(t, url, `{"version":"5","extra":true}`); code != http.StatusOK {
		t.Fatalf("status %d, errors %v", code, s.Errors())
	}
}

func TestMethodNotAllowed(t *testing.T) {
	_, url := startSink(t, Options{})
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET status %d, want 405", resp.StatusCode)
	}
}

func TestFailThenRecover(t *testing.T) {
	s, url := startSink(t, Options{})
	s.Fail(2, http.StatusServiceUnavailable)
	body := payload(t, "firing", "A")
	for i, want := range []int{503, 503, 200} {
		if code := post(t, url, body); code != want {
			t.Errorf("request %d: status %d, want %d", i, code, want)
		}
	}
	if n := len(s.Payloads()); n != 1 {
		t.Errorf("kept %d payloads, want 1", n)
	}
	if n := s.Requests(); n != 3 {
		t.Errorf("Requests() = %d, want 3", n)
	}
	s.Fail(1, 0)
	if code := post(t, url, body); code != http.StatusServiceUnavailable {
		t.Errorf("Fail(1, 0): status %d, want 503", code)
	}
}

func TestFailWhenRefusesMatchingPayloadsOnly(t *testing.T) {
	s, url := startSink(t, Options{})
	s.FailWhen(func(p Payload) bool { return p.Alerts[0].Labels["alertname"] == "Bad" }, http.StatusInternalServerError)
	for _, c := range []struct {
		name string
		want int
	}{{"Bad", 500}, {"Good", 200}, {"Bad", 500}} {
		if code := post(t, url, payload(t, "firing", c.name)); code != c.want {
			t.Errorf("%s: status %d, want %d", c.name, code, c.want)
		}
	}
	if ps := s.Payloads(); len(ps) != 1 || ps[0].Alerts[0].Labels["alertname"] != "Good" {
		t.Errorf("kept %+v, want only the Good payload", ps)
	}
	s.FailWhen(nil, 0)
	if code := post(t, url, payload(t, "firing", "Bad")); code != 200 {
		t.Errorf("after FailWhen(nil): status %d, want 200", code)
	}
}

func TestSetDownDropsConnections(t *testing.T) {
	s, url := startSink(t, Options{})
	s.SetDown(true)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(url, "application/json", strings.NewReader(payload(t, "firing", "A")))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d while down, want a connection error", resp.StatusCode)
	}
	s.SetDown(false)
	if code := post(t, url, payload(t, "firing", "A")); code != http.StatusOK {
		t.Fatalf("status %d after SetDown(false)", code)
	}
	if n := len(s.Payloads()); n != 1 {
		t.Errorf("kept %d payloads, want 1", n)
	}
}

func TestWaitFor(t *testing.T) {
	s, url := startSink(t, Options{})
	post(t, url, payload(t, "firing", "Old"))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Already received.
	p, err := s.WaitFor(ctx, HasAlert(StatusFiring, map[string]string{"alertname": "Old"}))
	if err != nil || p.Alerts[0].Labels["alertname"] != "Old" {
		t.Fatalf("WaitFor(Old) = %v, %v", p, err)
	}

	// Arrives later.
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(20 * time.Millisecond)
		post(t, url, payload(t, "firing", "Other"))
		post(t, url, payload(t, "resolved", "New"))
	})
	p, err = s.WaitFor(ctx, HasAlert(StatusResolved, map[string]string{"alertname": "New"}))
	wg.Wait()
	if err != nil || p.Status != StatusResolved {
		t.Fatalf("WaitFor(New) = %v, %v", p, err)
	}
}

func TestWaitForTimeoutReportsRejections(t *testing.T) {
	s, url := startSink(t, Options{})
	post(t, url, `{"version":"3"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.WaitFor(ctx, func(Payload) bool { return true })
	if err == nil || !strings.Contains(err.Error(), "1 rejected") {
		t.Fatalf("err = %v, want a deadline error naming the rejection", err)
	}
}

func TestResetAndMaxPayloads(t *testing.T) {
	s, url := startSink(t, Options{MaxPayloads: 2})
	for _, n := range []string{"A", "B", "C"} {
		post(t, url, payload(t, "firing", n))
	}
	got := s.Payloads()
	if len(got) != 2 || got[0].Alerts[0].Labels["alertname"] != "B" {
		t.Fatalf("kept %v, want B and C", got)
	}
	s.Reset()
	if len(s.Payloads()) != 0 {
		t.Fatal("Reset kept payloads")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.WaitFor(ctx, HasAlert("", map[string]string{"alertname": "C"})); err == nil {
		t.Fatal("WaitFor matched a payload from before Reset")
	}
}

func TestOnPayload(t *testing.T) {
	got := make(chan Payload, 1)
	_, url := startSink(t, Options{OnPayload: func(p Payload) { got <- p }})
	post(t, url, payload(t, "firing", "A"))
	select {
	case p := <-got:
		if p.Alerts[0].Labels["alertname"] != "A" {
			t.Errorf("OnPayload got %+v", p)
		}
	default:
		t.Fatal("OnPayload not called before the response")
	}
}

// TestHold keeps a request in flight until Release; a held request whose
// client gives up is not stored.
func TestHold(t *testing.T) {
	s := New(Options{Lenient: true})
	srv := httptest.NewServer(s)
	defer srv.Close()
	post := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(`{"status":"firing"}`))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	wait := func(cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatal("timed out")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	s.Hold(2)
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() { gone <- post(ctx) }()
	wait(func() bool { return s.Held() == 1 })
	cancel() // the client dies with its request in flight
	<-gone
	wait(func() bool { return s.Aborted() == 1 && s.Held() == 0 })
	answered := make(chan error, 1)
	go func() { answered <- post(context.Background()) }()
	wait(func() bool { return s.Held() == 1 })
	if len(s.Payloads()) != 0 {
		t.Fatal("a held request was stored before Release")
	}
	s.Release()
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	if err := post(context.Background()); err != nil { // not held any more
		t.Fatal(err)
	}
	if n := len(s.Payloads()); n != 2 || s.Aborted() != 1 {
		t.Fatalf("%d payloads, %d aborted; want 2 and 1", n, s.Aborted())
	}
}
