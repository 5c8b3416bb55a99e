package msteams

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/fakeapi"
	"github.com/alerter/alerter/notifiers"
	nt "github.com/alerter/alerter/notifiers/internal/notifytest"
)

// The webhooks' paths hold their credentials.
const (
	v1Path = "/webhookb2/0a1b-S3CRET@2c3d/IncomingWebhook/abcdef/4e5f"
	v2Path = "/workflows/S3CRET-flow/triggers/manual/paths/invoke"
)

func newAPI(t *testing.T, v2 bool) (*fakeapi.Teams, *notifiers.SecretURL) {
	t.Helper()
	path := v1Path
	if v2 {
		path = v2Path
	}
	api := fakeapi.NewTeams(path, v2)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	u, err := notifiers.ParseSecretURL(srv.URL + path + "?api-version=2016-06-01&sig=S3CRETsig")
	if err != nil {
		t.Fatal(err)
	}
	return api, u
}

func newV1(t *testing.T, cfg *Config) *Notifier {
	t.Helper()
	n, err := New(cfg, nt.Templates(t), nt.Options())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

func newV2(t *testing.T, cfg *V2Config) *Notifier {
	t.Helper()
	n, err := NewV2(cfg, nt.Templates(t), nt.Options())
	if err != nil {
		t.Fatalf("NewV2: %v", err)
	}
	return n
}

func TestGolden(t *testing.T) {
	firing := nt.Message(nt.Latency(), nt.Firing(nt.API(), nt.Annotations()), nt.Resolved(nt.Web(), nil))
	resolved := nt.Message(nt.Latency(), nt.Resolved(nt.API(), nil))
	tests := []struct {
		name string
		v2   bool
		m    *notifiers.Message
	}{
		{"v1_firing", false, firing},
		{"v1_resolved", false, resolved},
		{"v1_digest", false, nt.Digest()},
		{"v2_firing", true, firing},
		{"v2_resolved", true, resolved},
		{"v2_escalated", true, func() *notifiers.Message {
			m := nt.Message(nt.Latency(), nt.Firing(nt.Web(), nt.Annotations()))
			m.Escalation = &notifiers.Escalation{Policy: "oncall", Level: 2, Levels: 3}
			return m
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, u := newAPI(t, tt.v2)
			n := newV1(t, &Config{WebhookURL: u})
			if tt.v2 {
				n = newV2(t, &V2Config{WebhookURL: u})
			}
			nt.Notify(t, n, tt.m)
			reqs := api.Requests()
			if len(reqs) != 1 || reqs[0].Problem != "" {
				t.Fatalf("requests: %+v", reqs)
			}
			r := reqs[0]
			r.Path, r.Query = "<webhook path>", nil
			nt.GoldenRequest(t, tt.name, r)
		})
	}
}

func TestCustomTemplates(t *testing.T) {
	api, u := newAPI(t, false)
	nt.Notify(t, newV1(t, &Config{WebhookURL: u, Title: "T {{ .Status }}", Summary: "S", Text: "{{ .CommonLabels.service }}"}),
		nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)))
	var c fakeapi.TeamsMessageCard
	if err := json.Unmarshal(api.Requests()[0].Body, &c); err != nil {
		t.Fatal(err)
	}
	if c.Title != "T firing" || c.Summary != "S" || c.Text != "api" || c.ThemeColor != "8C1A1A" {
		t.Errorf("card %+v", c)
	}
}

func TestSizeLimit(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		api, u := newAPI(t, v2)
		// Quotes double in JSON: the text must be cut by more than the
		// overflow of its UTF-8.
		text := strings.Repeat(`"é"`, 20000)
		n := newV1(t, &Config{WebhookURL: u, Text: text})
		if v2 {
			n = newV2(t, &V2Config{WebhookURL: u, Text: text})
		}
		nt.Notify(t, n, nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)))
		if p := api.Problems(); len(p) > 0 {
			t.Fatalf("v2=%v: over Teams' limit: %v", v2, p)
		}
		if b := api.Requests()[0].Body; len(b) > maxMessageBytes || len(b) < maxMessageBytes-1000 {
			t.Errorf("v2=%v: %d bytes", v2, len(b))
		}
	}
}

func TestErrors(t *testing.T) {
	m := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	tests := []struct {
		name      string
		v2        bool
		answer    fakeapi.Answer
		wantRetry bool
		wantWait  time.Duration
	}{
		{"throttled in a 200", false, fakeapi.Answer{Status: 200, Body: "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0"}, true, 0},
		{"refused in a 200", false, fakeapi.Answer{Status: 200, Body: "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 400"}, false, 0},
		{"rate limited", true, fakeapi.Answer{Status: 429, Header: http.Header{"Retry-After": {"4"}}}, true, 4 * time.Second},
		{"server error", true, fakeapi.Answer{Status: 503}, true, 0},
		{"gone", true, fakeapi.Answer{Status: 404, Body: `{"error":{"code":"WorkflowNotFound"}}`}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, u := newAPI(t, tt.v2)
			api.Script(tt.answer)
			n := newV1(t, &Config{WebhookURL: u})
			if tt.v2 {
				n = newV2(t, &V2Config{WebhookURL: u})
			}
			retry, err := n.Notify(context.Background(), m)
			if err == nil || retry != tt.wantRetry || strings.Contains(err.Error(), "S3CRET") {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if wait, _ := notifiers.RetryAfter(err); wait != tt.wantWait {
				t.Errorf("wait %v, want %v", wait, tt.wantWait)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		_, u := newAPI(t, true)
		u.URL.Host = "127.0.0.1:1"
		retry, err := newV2(t, &V2Config{WebhookURL: u}).Notify(context.Background(), m)
		if err == nil || !retry || strings.Contains(err.Error(), "S3CRET") {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
}

func TestWebhookURLFile(t *testing.T) {
	api, u := newAPI(t, true)
	file := filepath.Join(t.TempDir(), "url")
	n := newV2(t, &V2Config{WebhookURLFile: file})
	m := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	if retry, err := n.Notify(context.Background(), m); err == nil || !retry {
		t.Fatalf("missing file: retry=%v err=%v", retry, err)
	}
	if err := os.WriteFile(file, []byte(u.URL.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	nt.Notify(t, n, m)
	if len(api.Events()) != 1 {
		t.Fatal(api.Problems())
	}
}

func TestConfigValidate(t *testing.T) {
	u, _ := notifiers.ParseSecretURL("https://example.webhook.office.com/webhookb2/x")
	if err := (&Config{WebhookURL: u}).Validate(); err != nil {
		t.Error(err)
	}
	if err := (&V2Config{}).Validate(); err == nil || !strings.Contains(err.Error(), "webhook_url or webhook_url_file is required") {
		t.Errorf("missing URL: %v", err)
	}
	if err := (&Config{WebhookURL: u, WebhookURLFile: "f"}).Validate(); err == nil || !strings.Contains(err.Error(), "at most one") {
		t.Errorf("both: %v", err)
	}
	if _, err := New(&Config{WebhookURL: u, Text: "{{ .Oops"}, nt.Templates(t), nt.Options()); err == nil || !strings.Contains(err.Error(), "text") {
		t.Errorf("template syntax: %v", err)
	}
}
