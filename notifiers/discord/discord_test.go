package discord

import (
	"context"
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

const (
	testID    = "1234567890"
	testToken = "S3CRET-discord-webhook-token"
)

func newAPI(t *testing.T) (*fakeapi.Discord, *Config, string) {
	t.Helper()
	api := fakeapi.NewDiscord(testID, testToken)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	hook := srv.URL + "/api/webhooks/" + testID + "/" + testToken
	u, err := notifiers.ParseSecretURL(hook)
	if err != nil {
		t.Fatal(err)
	}
	return api, &Config{WebhookURL: u}, hook
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
		{"firing", nil, nt.Message(nt.Latency(), nt.Firing(nt.API(), nt.Annotations()), nt.Resolved(nt.Web(), nil))},
		{"resolved", nil, nt.Message(nt.Latency(), nt.Resolved(nt.API(), nil))},
		{"custom", func(c *Config) {
			c.Content = `{{ if eq .CommonLabels.severity "critical" }}<@&111> {{ end }}{{ .CommonLabels.alertname }}`
			c.Username = "alerter"
			c.AvatarURL = "https://alerter.example/logo.png"
		}, nt.Message(nt.Latency(), nt.Firing(nt.Web(), nil))},
		{"acknowledged", nil, nt.Acked(nt.Message(nt.Latency(), nt.Firing(nt.API(), nt.Annotations())), "alice")},
		{"digest", nil, nt.Digest()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, cfg, _ := newAPI(t)
			if tt.edit != nil {
				tt.edit(cfg)
			}
			nt.Notify(t, newNotifier(t, cfg), tt.m)
			reqs := api.Requests()
			if len(reqs) != 1 || reqs[0].Problem != "" {
				t.Fatalf("requests: %+v", reqs)
			}
			r := reqs[0]
			r.Path = strings.Replace(r.Path, testToken, "<token>", 1)
			nt.GoldenRequest(t, tt.name, r)
		})
	}
}

func TestLimits(t *testing.T) {
	api, cfg, _ := newAPI(t)
	cfg.Title = strings.Repeat("t", 300)
	cfg.Message = strings.Repeat("m", 5000)
	cfg.Content = strings.Repeat("c", 2500)
	nt.Notify(t, newNotifier(t, cfg), nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)))
	if p := api.Problems(); len(p) > 0 {
		t.Fatalf("over Discord's limits: %v", p)
	}
	e := api.Messages()[0].Embeds[0]
	if len([]rune(e.Title)) != maxTitle || len([]rune(e.Description)) != maxDescription {
		t.Errorf("title %d, description %d characters", len([]rune(e.Title)), len([]rune(e.Description)))
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
		{"rate limited with header", fakeapi.Answer{Status: 429, Header: http.Header{"Retry-After": {"2"}}, Body: `{"message":"You are being rate limited.","retry_after":1.5,"global":false}`}, true, 2 * time.Second},
		{"rate limited, body only", fakeapi.Answer{Status: 429, Body: `{"message":"You are being rate limited.","retry_after":1.5,"global":false}`}, true, 1500 * time.Millisecond},
		{"server error", fakeapi.Answer{Status: 502}, true, 0},
		{"bad request", fakeapi.Answer{Status: 400, Body: `{"message":"Cannot send an empty message","code":50006}`}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, cfg, _ := newAPI(t)
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
	t.Run("wrong token, not in the error", func(t *testing.T) {
		_, cfg, hook := newAPI(t)
		u, _ := notifiers.ParseSecretURL(strings.Replace(hook, testToken, "WRONG-S3CRET", 1))
		cfg.WebhookURL = u
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || retry || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "S3CRET") {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
	t.Run("unreachable, token not in the error", func(t *testing.T) {
		_, cfg, _ := newAPI(t)
		cfg.WebhookURL.URL.Host = "127.0.0.1:1"
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || !retry || strings.Contains(err.Error(), "S3CRET") {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
}

func TestWebhookURLFile(t *testing.T) {
	api, _, hook := newAPI(t)
	file := filepath.Join(t.TempDir(), "url")
	n := newNotifier(t, &Config{WebhookURLFile: file})
	m := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	for _, content := range []string{"", "not a url \x7f", "ftp://x/" + testToken} {
		if content != "" {
			if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		retry, err := n.Notify(context.Background(), m)
		if err == nil || !retry || strings.Contains(err.Error(), testToken) {
			t.Errorf("file %q: retry=%v err=%v", content, retry, err)
		}
	}
	if err := os.WriteFile(file, []byte(hook+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	nt.Notify(t, n, m)
	if len(api.Messages()) != 1 {
		t.Fatal(api.Problems())
	}
}

func TestConfigValidate(t *testing.T) {
	u, _ := notifiers.ParseSecretURL("https://discord.com/api/webhooks/1/x")
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"ok", Config{WebhookURL: u, Username: "alerter"}, nil},
		{"missing", Config{}, []string{"webhook_url or webhook_url_file is required"}},
		{"both", Config{WebhookURL: u, WebhookURLFile: "f"}, []string{"at most one of webhook_url and webhook_url_file"}},
		{"avatar", Config{WebhookURL: u, AvatarURL: "logo.png"}, []string{"avatar_url"}},
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
