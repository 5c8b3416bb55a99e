package telegram

import (
	"context"
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

const (
	testToken = "123456:S3CRET-bot-token_ABCdef"
	testChat  = int64(-1001234567890)
)

func newAPI(t *testing.T) (*fakeapi.Telegram, *Config) {
	t.Helper()
	api := fakeapi.NewTelegram(testToken, testChat)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return api, &Config{BotToken: testToken, ChatID: testChat, APIURL: &config.URL{URL: u}}
}

func newNotifier(t *testing.T, cfg *Config) *Notifier {
	t.Helper()
	n, err := New(cfg, nt.Templates(t), nt.Options())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

func TestGolden(t *testing.T) {
	nasty := model.LabelSet{"alertname": "Tags<b>", "path": "/a&b", "severity": "critical"}
	tests := []struct {
		name string
		edit func(*Config)
		m    *notifiers.Message
	}{
		{"html", nil, nt.Message(nt.Latency(), nt.Firing(nt.API(), nt.Annotations()), nt.Resolved(nt.Web(), nil))},
		{"html_escaping", func(c *Config) { c.Message = "<b>{{ .CommonLabels.alertname }}</b> {{ .CommonLabels.path }}" }, nt.Message(model.LabelSet{"alertname": "Tags<b>"}, nt.Firing(nasty, nil))},
		{"plain_thread_silent", func(c *Config) {
			c.ParseMode = ptr("")
			c.MessageThreadID = 42
			c.DisableNotifications = true
		}, nt.Message(model.LabelSet{"alertname": "Tags<b>"}, nt.Firing(nasty, nil))},
		{"resolved", nil, nt.Message(nt.Latency(), nt.Resolved(nt.API(), nil))},
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
			r := reqs[0]
			r.Path = strings.Replace(r.Path, testToken, "<token>", 1)
			nt.GoldenRequest(t, tt.name, r)
		})
	}
}

func TestLongHTMLMessageStaysParsable(t *testing.T) {
	api, cfg := newAPI(t)
	cfg.Message = `<b>{{ .CommonLabels.alertname }}</b> <i>` + strings.Repeat("{{ .CommonLabels.path }} ", 2000) + `</i>`
	nasty := model.LabelSet{"alertname": "Long", "path": "a&b<c>"}
	nt.Notify(t, newNotifier(t, cfg), nt.Message(model.LabelSet{"alertname": "Long"}, nt.Firing(nasty, nil)))
	if p := api.Problems(); len(p) > 0 {
		t.Fatalf("Telegram would reject it: %v", p)
	}
	text := api.Messages()[0].Text
	if !strings.HasSuffix(text, "…</i>") {
		t.Errorf("cut message ends %q", text[len(text)-20:])
	}
}

func TestLongPlainMessage(t *testing.T) {
	api, cfg := newAPI(t)
	cfg.ParseMode = ptr("MarkdownV2")
	cfg.Message = strings.Repeat("ü", 5000)
	nt.Notify(t, newNotifier(t, cfg), nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)))
	if p := api.Problems(); len(p) > 0 {
		t.Fatal(p)
	}
	if n := len([]rune(api.Messages()[0].Text)); n != maxMessage {
		t.Errorf("%d characters", n)
	}
}

func TestErrors(t *testing.T) {
	m := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	flood := fakeapi.Answer{Status: 429, Body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`}
	retry, err := func() (bool, error) {
		api, cfg := newAPI(t)
		api.Script(flood)
		return newNotifier(t, cfg).Notify(context.Background(), m)
	}()
	if err == nil || !retry {
		t.Fatalf("flood control: retry=%v err=%v", retry, err)
	}
	if wait, _ := notifiers.RetryAfter(err); wait != 7*time.Second {
		t.Errorf("flood control wait %v, want 7s from the body", wait)
	}
	t.Run("server error", func(t *testing.T) {
		api, cfg := newAPI(t)
		api.Script(fakeapi.Answer{Status: 502})
		if retry, err := newNotifier(t, cfg).Notify(context.Background(), m); err == nil || !retry {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
	t.Run("unknown chat", func(t *testing.T) {
		_, cfg := newAPI(t)
		cfg.ChatID = 99
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || retry || !strings.Contains(err.Error(), "chat not found") {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
	t.Run("wrong token, not in the error", func(t *testing.T) {
		_, cfg := newAPI(t)
		cfg.BotToken = "999:WRONG-S3CRET"
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || retry || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "WRONG-S3CRET") {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
	t.Run("unreachable, token not in the error", func(t *testing.T) {
		_, cfg := newAPI(t)
		cfg.APIURL.URL.Host = "127.0.0.1:1"
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || !retry || strings.Contains(err.Error(), "S3CRET") {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
}

func TestBotTokenFile(t *testing.T) {
	api, cfg := newAPI(t)
	file := filepath.Join(t.TempDir(), "token")
	cfg.BotToken, cfg.BotTokenFile = "", file
	n := newNotifier(t, cfg)
	m := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	if retry, err := n.Notify(context.Background(), m); err == nil || !retry {
		t.Fatalf("missing file: retry=%v err=%v", retry, err)
	}
	if err := os.WriteFile(file, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	nt.Notify(t, n, m)
	if len(api.Messages()) != 1 {
		t.Fatal(api.Problems())
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"ok", Config{BotToken: "t", ChatID: -1, ParseMode: ptr("")}, nil},
		{"missing", Config{}, []string{"bot_token or bot_token_file is required", "chat_id is required"}},
		{"both", Config{BotToken: "t", BotTokenFile: "f", ChatID: 1}, []string{"at most one of bot_token and bot_token_file"}},
		{"parse mode", Config{BotToken: "t", ChatID: 1, ParseMode: ptr("html")}, []string{`parse_mode "html"`}},
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
