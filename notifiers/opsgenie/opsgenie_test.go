package opsgenie

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
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/internal/fakeapi"
	"github.com/alerter/alerter/notifiers"
	nt "github.com/alerter/alerter/notifiers/internal/notifytest"
)

// testKey is an Opsgenie API key (a UUID).
const testKey = "0f1e2d3c-SECRET-4b5a-9687-a1b2c3d4e5f6"

// newAPI serves a fake Opsgenie API and returns it with a config for it.
func newAPI(t *testing.T) (*fakeapi.Opsgenie, *Config) {
	t.Helper()
	api := fakeapi.NewOpsgenie(testKey)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	return api, &Config{APIKey: testKey, APIURL: &config.URL{URL: u}}
}

func newNotifier(t *testing.T, cfg *Config) *Notifier {
	t.Helper()
	n, err := New(cfg, nt.Templates(t), nt.Options())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

// notify sends m and fails the test if it did not go through.
func TestGolden(t *testing.T) {
	full := func(c *Config) {
		c.Details = map[string]string{"runbook": "{{ .CommonAnnotations.runbook_url }}", "service": "overridden"}
		c.Responders = []Responder{
			{Name: "sre", Type: "team"},
			{Name: "{{ .CommonLabels.teams }}", Type: "teams"},
			{Username: "{{ .CommonLabels.owner }}", Type: "user"}, // no such label: dropped
			{ID: "4513b7ea-3b91-438f-b7e4-e3e54af9147c", Type: "Escalation"},
		}
		c.Tags = "{{ .CommonLabels.service }}, prod,,alerter"
		c.Actions = "Restart, Ping"
		c.Note = "from {{ .Receiver }}"
		c.Priority = `{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}`
		c.Entity = "{{ .CommonLabels.service }}"
	}
	web := nt.Web()
	web["teams"] = "db, storage ,"
	tests := []struct {
		name string
		edit func(*Config)
		m    *notifiers.Message
	}{
		{"create", nil, nt.Message(nt.Latency(), nt.Firing(nt.API(), nt.Annotations()), nt.Resolved(nt.Web(), nil))},
		{"create_full", full, nt.Message(nt.Latency(), nt.Firing(web, nt.Annotations()))},
		{"close", nil, nt.Message(nt.Latency(), nt.Resolved(nt.API(), nil))},
		{"acknowledge", nil, nt.Acked(nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)), "alice")},
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
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Problem != "" || !r.Accepted() {
				t.Fatalf("rejected (%d): %s", r.Status, r.Problem)
			}
			nt.GoldenRequest(t, tt.name, r)
		})
	}
}

func TestRequests(t *testing.T) {
	api, cfg := newAPI(t)
	n := newNotifier(t, cfg)
	firing := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	nt.Notify(t, n, firing)
	nt.Notify(t, n, nt.Acked(nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)), "bob"))
	nt.Notify(t, n, nt.Message(nt.Latency(), nt.Resolved(nt.API(), nil)))
	alias := notifiers.HashKey(firing.GroupKey)
	got := api.Events()
	want := []fakeapi.Event{{Kind: "firing", Key: alias, Title: "[FIRING:1] HighLatency (api warning)"}, {Kind: "acknowledged", Key: alias}, {Kind: "resolved", Key: alias}}
	if len(got) != len(want) {
		t.Fatalf("events %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, r := range api.Requests() {
		if ua := r.Header.Get("User-Agent"); ua != "alerter/test" {
			t.Errorf("User-Agent %q", ua)
		}
	}
}

func TestUpdateAlerts(t *testing.T) {
	api, cfg := newAPI(t)
	cfg.UpdateAlerts = true
	nt.Notify(t, newNotifier(t, cfg), nt.Message(nt.Latency(), nt.Firing(nt.API(), nt.Annotations())))
	var got []string
	for _, r := range api.Requests() {
		if r.Problem != "" {
			t.Errorf("%s %s: %s", r.Method, r.Path, r.Problem)
		}
		got = append(got, r.Method+" "+r.Path[strings.LastIndex(r.Path, "/"):])
	}
	if strings.Join(got, ",") != "POST /alerts,PUT /message,PUT /description" {
		t.Errorf("requests %v", got)
	}
}

func TestSendResolvedOff(t *testing.T) {
	api, cfg := newAPI(t)
	off := false
	cfg.SendResolved = &off
	n := newNotifier(t, cfg)
	if n.SendResolved() {
		t.Fatal("SendResolved() = true")
	}
	nt.Notify(t, n, nt.Message(nt.Latency(), nt.Resolved(nt.API(), nil)))
	if len(api.Requests()) != 0 {
		t.Fatal("a resolved group was sent with send_resolved: false")
	}
}

func TestLimits(t *testing.T) {
	api, cfg := newAPI(t)
	cfg.Message = strings.Repeat("m", 300)
	cfg.Tags = strings.Repeat("t,", 30) + strings.Repeat("x", 80)
	cfg.Description = strings.Repeat("d", 20000)
	nt.Notify(t, newNotifier(t, cfg), nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)))
	if p := api.Problems(); len(p) > 0 {
		t.Fatalf("over Opsgenie's limits: %v", p)
	}
	a := api.Alerts()[0]
	if n := len([]rune(a.Message)); n != maxMessage || !strings.HasSuffix(a.Message, "…") {
		t.Errorf("message of %d characters: %q", n, a.Message)
	}
	if len(a.Tags) != maxTags {
		t.Errorf("%d tags", len(a.Tags))
	}
}

func TestErrors(t *testing.T) {
	m := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	tests := []struct {
		name      string
		answer    fakeapi.Answer
		wantRetry bool
		wantWait  time.Duration
		want      string
	}{
		{"rate limited", fakeapi.Answer{Status: 429, Header: http.Header{"Retry-After": {"7"}}, Body: `{"message":"You are making too many requests!"}`}, true, 7 * time.Second, "429"},
		{"server error", fakeapi.Answer{Status: 503}, true, 0, "503"},
		{"invalid", fakeapi.Answer{Status: 422, Body: `{"message":"Request body is not processable. key ` + testKey + `"}`}, false, 0, "422"},
		{"forbidden", fakeapi.Answer{Status: 403, Body: `{"message":"not allowed"}`}, false, 0, "403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, cfg := newAPI(t)
			api.Script(tt.answer)
			retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
			if err == nil || retry != tt.wantRetry || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("the error holds the API key: %v", err)
			}
			if wait, _ := notifiers.RetryAfter(err); wait != tt.wantWait {
				t.Errorf("wait %v, want %v", wait, tt.wantWait)
			}
		})
	}
	t.Run("wrong key", func(t *testing.T) {
		_, cfg := newAPI(t)
		cfg.APIKey = "wrong"
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || retry || !strings.Contains(err.Error(), "401") {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		_, cfg := newAPI(t)
		cfg.APIURL.URL.Host = "127.0.0.1:1"
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || !retry {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
	t.Run("template error", func(t *testing.T) {
		_, cfg := newAPI(t)
		cfg.Message = `{{ index .Alerts 5 }}`
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || retry || !strings.Contains(err.Error(), "message") {
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
	retry, err := n.Notify(context.Background(), m)
	if err == nil || !retry || !strings.Contains(err.Error(), "api_key_file") {
		t.Fatalf("missing file: retry=%v err=%v", retry, err)
	}
	if err := os.WriteFile(file, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	nt.Notify(t, n, m)
	if len(api.Alerts()) != 1 {
		t.Fatalf("requests: %+v", api.Requests())
	}
}

func TestConfigValidate(t *testing.T) {
	u, _ := url.Parse("ftp://x")
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"ok", Config{APIKey: "k", Priority: "P2", Responders: []Responder{{Name: "a", Type: "Teams"}}}, nil},
		{"no key", Config{}, []string{"api_key or api_key_file is required"}},
		{"both keys", Config{APIKey: "k", APIKeyFile: "f"}, []string{"at most one of api_key and api_key_file"}},
		{"bad url", Config{APIKey: "k", APIURL: &config.URL{URL: u}}, []string{"api_url scheme must be http or https"}},
		{"bad responder", Config{APIKey: "k", Responders: []Responder{{Type: "group"}}}, []string{"responders[0]: one of id", `type "group"`}},
		{"bad priority", Config{APIKey: "k", Priority: "urgent"}, []string{`priority "urgent"`}},
		{"templated", Config{APIKey: "k", Priority: "{{ .CommonLabels.p }}", Responders: []Responder{{Name: "x", Type: "{{ .CommonLabels.t }}"}}}, nil},
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
	_, err := New(&Config{APIKey: "k", Tags: "{{ .Nope"}, nt.Templates(t), nt.Options())
	if err == nil || !strings.Contains(err.Error(), "tags") {
		t.Errorf("template syntax: %v", err)
	}
}

func TestTeamsResponderExpands(t *testing.T) {
	api, cfg := newAPI(t)
	cfg.Responders = []Responder{{Name: "a, b", Type: "teams"}}
	nt.Notify(t, newNotifier(t, cfg), nt.Message(nt.Latency(), nt.Firing(model.LabelSet{"alertname": "X"}, nil)))
	rs := api.Alerts()[0].Responders
	if len(rs) != 2 || rs[0].Name != "a" || rs[1].Name != "b" || rs[0].Type != "team" {
		t.Errorf("responders %+v", rs)
	}
}
