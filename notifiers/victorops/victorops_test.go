package victorops

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/internal/fakeapi"
	"github.com/alerter/alerter/notifiers"
	nt "github.com/alerter/alerter/notifiers/internal/notifytest"
)

// testKey is a REST integration key.
const testKey = "S3CRET-vo-0a1b2c3d-4e5f"

func newAPI(t *testing.T) (*fakeapi.VictorOps, *Config) {
	t.Helper()
	api := fakeapi.NewVictorOps(testKey, "team-api")
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL + "/integrations/generic/20131114/alert")
	if err != nil {
		t.Fatal(err)
	}
	return api, &Config{APIKey: testKey, APIURL: &config.URL{URL: u}, RoutingKey: "{{ .Receiver }}"}
}

func newNotifier(t *testing.T, cfg *Config) *Notifier {
	t.Helper()
	n, err := New(cfg, nt.Templates(t), nt.Options())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		m    *notifiers.Message
	}{
		{"critical", nil, nt.Message(nt.Latency(), nt.Firing(nt.API(), nt.Annotations()), nt.Resolved(nt.Web(), nil))},
		{"custom", func(c *Config) {
			c.MessageType = `{{ if eq .CommonLabels.severity "warning" }}warning{{ else }}CRITICAL{{ end }}`
			c.CustomFields = map[string]string{"service": "{{ .CommonLabels.service }}", "runbook": "{{ .CommonAnnotations.runbook_url }}"}
			c.MonitoringTool = "prometheus via alerter"
		}, nt.Message(nt.Latency(), nt.Firing(nt.API(), nt.Annotations()))},
		{"recovery", nil, nt.Message(nt.Latency(), nt.Resolved(nt.API(), nil))},
		{"acknowledgement", nil, nt.Acked(nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)), "alice")},
		{"digest", nil, nt.Digest()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, cfg := newAPI(t)
			if tt.edit != nil {
				tt.edit(cfg)
			}
			nt.Notify(t, newNotifier(t, cfg), tt.m)
			reqs := api.Requests()
			if len(reqs) != 1 || reqs[0].Problem != "" {
				t.Fatalf("requests: %+v", reqs)
			}
			// The golden file holds the path without the key.
			r := reqs[0]
			r.Path = strings.Replace(r.Path, testKey, "<api_key>", 1)
			nt.GoldenRequest(t, tt.name, r)
		})
	}
}

func TestMessageTypes(t *testing.T) {
	api, cfg := newAPI(t)
	cfg.MessageType = "{{ .CommonLabels.nope }}bogus"
	n := newNotifier(t, cfg)
	nt.Notify(t, n, nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)))
	nt.Notify(t, n, nt.Message(nt.Latency(), nt.Resolved(nt.API(), nil)))
	ev := api.Events()
	if len(ev) != 2 || ev[0].Kind != "firing" || ev[1].Kind != "resolved" || ev[0].Key != ev[1].Key || ev[0].Key == "" {
		t.Fatalf("events %+v", ev)
	}
	if mt := api.Messages()[0]["message_type"]; mt != "CRITICAL" {
		t.Errorf("an unknown message type was sent as %q, want CRITICAL", mt)
	}
	if id := api.Messages()[0]["entity_id"]; id != notifiers.HashKey(nt.Message(nt.Latency()).GroupKey) {
		t.Errorf("entity_id %q", id)
	}
}

func TestErrors(t *testing.T) {
	m := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	tests := []struct {
		name      string
		answer    fakeapi.Answer
		wantRetry bool
		wantWait  time.Duration
	}{
		{"rate limited", fakeapi.Answer{Status: 429, Header: http.Header{"Retry-After": {"3"}}}, true, 3 * time.Second},
		{"server error", fakeapi.Answer{Status: 500, Body: `{"result":"failure"}`}, true, 0},
		{"bad request", fakeapi.Answer{Status: 400, Body: `{"result":"failure","message":"Missing fields"}`}, false, 0},
		{"failure in a 200", fakeapi.Answer{Status: 200, Body: `{"result":"failure","message":"nope"}`}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, cfg := newAPI(t)
			api.Script(tt.answer)
			retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
			if err == nil || retry != tt.wantRetry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if wait, _ := notifiers.RetryAfter(err); wait != tt.wantWait {
				t.Errorf("wait %v, want %v", wait, tt.wantWait)
			}
		})
	}
	t.Run("wrong key is not in the error", func(t *testing.T) {
		_, cfg := newAPI(t)
		cfg.APIKey = "WRONG-S3CRET"
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || retry || strings.Contains(err.Error(), "WRONG-S3CRET") || !strings.Contains(err.Error(), "404") {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
	t.Run("unreachable, the key is not in the error", func(t *testing.T) {
		_, cfg := newAPI(t)
		cfg.APIURL.URL.Host = "127.0.0.1:1"
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || !retry || strings.Contains(err.Error(), testKey) {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
}

func TestAPIKeyFile(t *testing.T) {
	api, cfg := newAPI(t)
	file := filepath.Join(t.TempDir(), "key")
	cfg.APIKey, cfg.APIKeyFile = "", file
	n := newNotifier(t, cfg)
	m := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	if retry, err := n.Notify(context.Background(), m); err == nil || !retry {
		t.Fatalf("missing file: retry=%v err=%v", retry, err)
	}
	if err := os.WriteFile(file, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	nt.Notify(t, n, m)
	if len(api.Messages()) != 1 {
		t.Fatalf("%+v", api.Requests())
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"ok", Config{APIKey: "k", RoutingKey: "r", MessageType: "warning"}, nil},
		{"missing", Config{}, []string{"api_key or api_key_file is required", "routing_key is required"}},
		{"both keys", Config{APIKey: "k", APIKeyFile: "f", RoutingKey: "r"}, []string{"at most one of api_key and api_key_file"}},
		{"message type", Config{APIKey: "k", RoutingKey: "r", MessageType: "RECOVERY"}, []string{`message_type "RECOVERY"`}},
		{"reserved", Config{APIKey: "k", RoutingKey: "r", CustomFields: map[string]string{"entity_id": "x"}}, []string{"custom_fields: entity_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("Validate() = %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v lacks %q", err, w)
				}
			}
		})
	}
}
