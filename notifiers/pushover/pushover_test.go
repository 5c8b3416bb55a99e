package pushover

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

// Pushover's keys are 30 characters.
const (
	testToken = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
	testUser  = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
)

func newAPI(t *testing.T) (*fakeapi.Pushover, *Config) {
	t.Helper()
	api := fakeapi.NewPushover(testToken, testUser)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL + "/1/messages.json")
	if err != nil {
		t.Fatal(err)
	}
	return api, &Config{Token: testToken, UserKey: testUser, APIURL: &config.URL{URL: u}}
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
	withLabel := nt.API()
	withLabel["summary_html"] = "<b>bold</b> & co"
	tests := []struct {
		name string
		edit func(*Config)
		m    *notifiers.Message
	}{
		{"firing", nil, nt.Message(nt.Latency(), nt.Firing(nt.API(), nt.Annotations()), nt.Resolved(nt.Web(), nil))},
		{"resolved", nil, nt.Message(nt.Latency(), nt.Resolved(nt.API(), nil))},
		{"html", func(c *Config) {
			c.HTML = true
			c.Message = `<b>{{ .CommonLabels.summary_html }}</b>`
			c.URLTitle = "Open alerter"
			c.Device = "phone,tablet"
			c.Sound = "siren"
			c.TTL = model.Duration(time.Hour)
			c.Priority = "1"
		}, nt.Message(nt.Latency(), nt.Firing(withLabel, nil))},
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
			form, _ := url.ParseQuery(string(r.Body))
			if form.Get("token") != testToken || form.Get("user") != testUser {
				t.Fatalf("credentials not in the form: %v", form)
			}
			if r.Query.Encode() != "" {
				t.Errorf("parameters in the URL: %s", r.Query.Encode())
			}
			form.Set("token", "<token>")
			form.Set("user", "<user>")
			r.Body = []byte(form.Encode())
			nt.GoldenRequest(t, tt.name, r)
		})
	}
}

func TestLimits(t *testing.T) {
	api, cfg := newAPI(t)
	cfg.Title = strings.Repeat("t", 300)
	cfg.Message = strings.Repeat("é", 2000)
	cfg.URL = "https://example.com/" + strings.Repeat("u", 600)
	cfg.URLTitle = strings.Repeat("x", 200)
	nt.Notify(t, newNotifier(t, cfg), nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)))
	if p := api.Problems(); len(p) > 0 {
		t.Fatalf("over Pushover's limits: %v", p)
	}
	msg := api.Messages()[0]
	if n := len([]rune(msg.Get("message"))); n != maxMessage {
		t.Errorf("message of %d characters", n)
	}
	if n := len([]rune(msg.Get("title"))); n != maxTitle {
		t.Errorf("title of %d characters", n)
	}
}

func TestEmptyMessage(t *testing.T) {
	api, cfg := newAPI(t)
	cfg.Message = "{{ .CommonLabels.nope }}"
	nt.Notify(t, newNotifier(t, cfg), nt.Message(nt.Latency(), nt.Firing(nt.API(), nil)))
	if got := api.Messages()[0].Get("message"); got != "(no details)" {
		t.Errorf("message %q", got)
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
		{"over the limit", fakeapi.Answer{Status: 429, Header: http.Header{"Retry-After": {"60"}}, Body: `{"status":0}`}, true, time.Minute},
		{"server error", fakeapi.Answer{Status: 500}, true, 0},
		{"invalid", fakeapi.Answer{Status: 400, Body: `{"user":"invalid","errors":["user identifier is invalid ` + testUser + `"],"status":0}`}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, cfg := newAPI(t)
			api.Script(tt.answer)
			retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
			if err == nil || retry != tt.wantRetry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if strings.Contains(err.Error(), testUser) || strings.Contains(err.Error(), testToken) {
				t.Errorf("the error holds a credential: %v", err)
			}
			if wait, _ := notifiers.RetryAfter(err); wait != tt.wantWait {
				t.Errorf("wait %v, want %v", wait, tt.wantWait)
			}
		})
	}
	t.Run("wrong token", func(t *testing.T) {
		_, cfg := newAPI(t)
		cfg.Token = "wrongtokenwrongtokenwrongtoken"
		retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
		if err == nil || retry || !strings.Contains(err.Error(), "application token is invalid") {
			t.Fatalf("retry=%v err=%v", retry, err)
		}
	})
}

func TestKeyFiles(t *testing.T) {
	api, cfg := newAPI(t)
	dir := t.TempDir()
	cfg.Token, cfg.TokenFile = "", filepath.Join(dir, "token")
	cfg.UserKey, cfg.UserKeyFile = "", filepath.Join(dir, "user")
	n := newNotifier(t, cfg)
	m := nt.Message(nt.Latency(), nt.Firing(nt.API(), nil))
	if retry, err := n.Notify(context.Background(), m); err == nil || !retry || !strings.Contains(err.Error(), "token_file") {
		t.Fatalf("missing file: retry=%v err=%v", retry, err)
	}
	for f, v := range map[string]string{cfg.TokenFile: testToken, cfg.UserKeyFile: testUser} {
		if err := os.WriteFile(f, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
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
		{"ok", Config{UserKey: "u", Token: "t", Retry: model.Duration(30 * time.Second), Priority: "-2"}, nil},
		{"missing", Config{}, []string{"user_key or user_key_file is required", "token or token_file is required"}},
		{"both", Config{UserKey: "u", UserKeyFile: "f", Token: "t", TokenFile: "f"}, []string{"at most one of user_key", "at most one of token"}},
		{"html and monospace", Config{UserKey: "u", Token: "t", HTML: true, Monospace: true}, []string{"at most one of html and monospace"}},
		{"retry", Config{UserKey: "u", Token: "t", Retry: model.Duration(10 * time.Second)}, []string{"retry must be at least 30s"}},
		{"expire", Config{UserKey: "u", Token: "t", Expire: model.Duration(4 * time.Hour)}, []string{"expire must be at most 3h"}},
		{"priority", Config{UserKey: "u", Token: "t", Priority: "3"}, []string{`priority "3"`}},
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
