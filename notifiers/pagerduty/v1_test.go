package pagerduty

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// v1Config sends to srv's v1 endpoint, through the v2 URL that
// global.pagerduty_url would set.
func v1Config(t *testing.T, base string) *Config {
	t.Helper()
	cfg := configFor(t, base)
	cfg.RoutingKey, cfg.ServiceKey = "", testKey
	return cfg
}

func TestV1Events(t *testing.T) {
	srv := newPDServer(t)
	n := newNotifier(t, v1Config(t, srv.URL))
	api := model.LabelSet{"alertname": "HighLatency", "service": "api", "severity": "warning"}
	msgs := []*notifiers.Message{
		message(latency(), firing(api, model.LabelSet{"summary": "slow"})),
		func() *notifiers.Message {
			m := message(latency(), firing(api, nil))
			m.Acks = ackAll(m, "alice")
			return m
		}(),
		message(latency(), resolved(api, nil)),
	}
	for _, m := range msgs {
		if retry, err := n.Notify(context.Background(), m); err != nil || retry {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	}
	got := srv.received()
	if len(got) != 3 {
		t.Fatalf("%d events", len(got))
	}
	for i, want := range []string{"trigger", "acknowledge", "resolve"} {
		ev := decode(t, got[i])
		if ev["event_type"] != want || ev["incident_key"] != DedupKey(msgs[0].GroupKey) || ev["service_key"] != testKey {
			t.Errorf("event %d: %v", i, ev)
		}
		if _, ok := ev["routing_key"]; ok {
			t.Errorf("v1 event %d has a routing_key", i)
		}
	}
	trigger := decode(t, got[0])
	details, _ := trigger["details"].(map[string]any)
	if trigger["description"] != "[FIRING:1] HighLatency (api warning)" || trigger["client"] != DefaultClient ||
		trigger["client_url"] != "http://alerter.example:9099" || details["num_firing"] != "1" {
		t.Errorf("trigger %v", trigger)
	}
}

func TestV1URL(t *testing.T) {
	u := func(s string) *config.URL {
		p, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return &config.URL{URL: p}
	}
	for in, want := range map[string]string{
		"": DefaultV1URL,
		"https://events.pagerduty.com/v2/enqueue":    DefaultV1URL,
		"https://events.eu.pagerduty.com/v2/enqueue": "https://events.eu.pagerduty.com/generic/2010-04-15/create_event.json",
		"https://proxy.example/pd/v2/enqueue":        "https://proxy.example/pd/generic/2010-04-15/create_event.json",
		"https://proxy.example/pd-v1":                "https://proxy.example/pd-v1",
	} {
		var cu *config.URL
		if in != "" {
			cu = u(in)
		}
		if got := v1URL(cu); got != want {
			t.Errorf("v1URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestV1Retry(t *testing.T) {
	m := message(latency(), firing(latency(), nil))
	for code, wantRetry := range map[int]bool{403: true, 400: false, 500: true} {
		srv := newPDServer(t)
		srv.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
			answer(w, code, map[string]any{"status": "error", "message": "key " + testKey})
			return true
		})
		retry, err := newNotifier(t, v1Config(t, srv.URL)).Notify(context.Background(), m)
		if err == nil || retry != wantRetry || strings.Contains(err.Error(), testKey) {
			t.Errorf("%d: retry=%v err=%v", code, retry, err)
		}
	}
	srv := newPDServer(t)
	cfg := v1Config(t, srv.URL)
	cfg.ServiceKey = "short"
	if retry, err := newNotifier(t, cfg).Notify(context.Background(), m); err == nil || retry || !strings.Contains(err.Error(), "Service key is the wrong length") {
		t.Errorf("invalid event: retry=%v err=%v", retry, err)
	}
}

func TestServiceKeyFile(t *testing.T) {
	srv := newPDServer(t)
	cfg := v1Config(t, srv.URL)
	file := filepath.Join(t.TempDir(), "key")
	cfg.ServiceKey, cfg.ServiceKeyFile = "", file
	n := newNotifier(t, cfg)
	m := message(latency(), firing(latency(), nil))
	if retry, err := n.Notify(context.Background(), m); err == nil || !retry || !strings.Contains(err.Error(), "service_key_file") {
		t.Fatalf("missing file: retry=%v err=%v", retry, err)
	}
	if err := os.WriteFile(file, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func TestServiceKeyConfig(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{ServiceKey: "k"}, ""},
		{Config{ServiceKeyFile: "f"}, ""},
		{Config{ServiceKey: "k", RoutingKey: "r"}, ""}, // as in Alertmanager: v1 wins
		{Config{ServiceKey: "k", ServiceKeyFile: "f"}, "at most one of service_key and service_key_file"},
		{Config{}, "routing_key or routing_key_file is required (Events API v2), or service_key or service_key_file (Events API v1)"},
	} {
		err := tt.cfg.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: %v", tt.cfg, err)
		}
	}
}

// ackAll acknowledges every firing alert of m by who.
func ackAll(m *notifiers.Message, who string) map[model.Fingerprint]alert.Ack {
	acks := map[model.Fingerprint]alert.Ack{}
	for _, a := range m.Firing() {
		acks[a.Fingerprint()] = alert.Ack{ID: "x", By: who, At: t0}
	}
	return acks
}
