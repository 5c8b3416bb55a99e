package slack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

// loadConfig decodes a fixture strictly and validates it, as alerter's
// configuration loader does.
func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "config", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, err
	}
	c.SetDirectory(filepath.Join("testdata", "config"))
	return &c, c.Validate()
}

func TestConfigGood(t *testing.T) {
	tmpl, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file  string
		check func(t *testing.T, c *Config, n *Notifier)
	}{
		{"good_bot.yml", func(t *testing.T, c *Config, n *Notifier) {
			if n.webhook || n.sendResolved || !n.updateInPlace || n.timeout != 5*time.Second ||
				n.appURL != "https://slack.example.com/api/" {
				t.Errorf("notifier %+v", n)
			}
			if c.HTTPConfig == nil || c.HTTPConfig.ProxyURL.URL == nil {
				t.Errorf("http_config %+v", c.HTTPConfig)
			}
			if len(c.TemplateFields()) != 8 {
				t.Errorf("template fields %v", c.TemplateFields())
			}
		}},
		{"good_webhook.yml", func(t *testing.T, c *Config, n *Notifier) {
			if !n.webhook || !n.sendResolved || n.updateInPlace || n.timeout != DefaultTimeout {
				t.Errorf("notifier %+v", n)
			}
			if c.APIURL.Host != "hooks.slack.com" {
				t.Errorf("api_url host %q", c.APIURL.Host)
			}
		}},
		{"good_files.yml", func(t *testing.T, c *Config, n *Notifier) {
			if tok, err := n.token(); err != nil || tok != "xoxb-from-a-file-SECRETfileTOKEN" {
				t.Errorf("token from file: %v", err)
			}
			if n.updateInPlace || n.appURL != DefaultAppURL {
				t.Errorf("notifier %+v", n)
			}
		}},
		{"good_am_app_url.yml", func(t *testing.T, c *Config, n *Notifier) {
			if n.appURL != "https://slack.com/api/" {
				t.Errorf("app URL %q", n.appURL)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := loadConfig(t, tt.file)
			if err != nil {
				t.Fatalf("%s: %v", tt.file, err)
			}
			n, err := New(c, tmpl, notifiers.IntegrationOptions{})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if n.Name() != "slack" {
				t.Errorf("name %q", n.Name())
			}
			tt.check(t, c, n)
		})
	}
}

func TestConfigBad(t *testing.T) {
	tests := []struct {
		file string
		want []string // every one must be reported
	}{
		{"bad_unknown_key.yml", []string{"field pretxt not found"}},
		{"bad_none.yml", []string{"exactly one of api_url, api_url_file, app_token or app_token_file must be set"}},
		{"bad_both.yml", []string{"got api_url and app_token"}},
		{"bad_no_channel.yml", []string{"channel is required with app_token"}},
		{"bad_values.yml", []string{"api_url: scheme must be http or https",
			"app_url is only used with app_token", "update_in_place needs app_token"}},
		{"bad_url.yml", []string{"invalid URL"}},
		{"bad_http_config.yml", []string{"at most one of basic_auth"}},
		{"bad_timeout.yml", []string{"not a valid duration"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := loadConfig(t, tt.file)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			checkNoSecrets(t, err, "", testToken, "SECRETwebhookPATHvalue")
		})
	}
}

// TestNewErrors covers what only New can see: templates and files.
func TestNewErrors(t *testing.T) {
	tmpl, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	badURL := filepath.Join(dir, "url")
	if err := os.WriteFile(badURL, []byte("ftp://hooks.slack.com/services/SECRETwebhookPATHvalue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  *Config
		want string
	}{
		{"template", &Config{AppToken: testToken, Channel: "#a", Title: "{{ .Status"}, "title:"},
		{"missing file", &Config{AppTokenFile: filepath.Join(dir, "none"), Channel: "#a"}, "app_token_file"},
		{"empty token file", &Config{AppTokenFile: empty, Channel: "#a"}, "is empty"},
		{"bad URL in file", &Config{APIURLFile: badURL}, "URL scheme must be http or https"},
		{"invalid", &Config{}, "exactly one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, tmpl, notifiers.IntegrationOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if err != nil {
				checkNoSecrets(t, err, "", testToken, "SECRETwebhookPATHvalue")
			}
		})
	}
	if _, err := New(nil, tmpl, notifiers.IntegrationOptions{}); err == nil {
		t.Error("New(nil) succeeded")
	}
}

// TestConfigMarshal: secrets never leave a marshalled configuration.
func TestConfigMarshal(t *testing.T) {
	for _, file := range []string{"good_bot.yml", "good_webhook.yml"} {
		c, err := loadConfig(t, file)
		if err != nil {
			t.Fatal(err)
		}
		y, err := yaml.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		j, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{string(y), string(j)} {
			if !strings.Contains(out, "<secret>") && !strings.Contains(out, `\u003csecret\u003e`) {
				t.Errorf("%s: no <secret> in\n%s", file, out)
			}
			checkNoSecrets(t, nil, out, testToken, "SECRETwebhookPATHvalue")
		}
		// The marshalled form loads again, secrets aside.
		var back Config
		if err := yaml.Unmarshal(y, &back); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
	u, err := ParseSecretURL("https://hooks.slack.com/services/SECRETwebhookPATHvalue")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(u), fmt.Sprintf("%+v", *u), fmt.Sprintf("%s", u)} {
		if strings.Contains(s, "SECRET") {
			t.Errorf("printed %q", s)
		}
	}
}

// TestSecretFilesRotate: the files are read for every notification.
func TestSecretFilesRotate(t *testing.T) {
	f := newFakeSlack(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("xoxb-old-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := botConfig(t, f)
	cfg.AppToken, cfg.AppTokenFile = "", tokenFile
	n := newNotifier(t, cfg, nil, NotifierOptions{})
	retry, err := n.Notify(t.Context(), groupMessage(nil, firing("api-1", "critical", nil)))
	if err == nil || retry || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("old token: retry=%v err=%v", retry, err)
	}
	if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notify(t, n, groupMessage(nil, firing("api-1", "critical", nil)))

	urlFile := filepath.Join(dir, "url")
	if err := os.WriteFile(urlFile, []byte(f.URL+testWebhookPath+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n = newNotifier(t, &Config{APIURLFile: urlFile}, nil, NotifierOptions{})
	notify(t, n, groupMessage(nil, firing("api-1", "critical", nil)))
	if got := methods(checkCalls(t, f)); got != "chat.postMessage chat.postMessage webhook" {
		t.Errorf("calls %q", got)
	}
	if err := os.Remove(urlFile); err != nil {
		t.Fatal(err)
	}
	if retry, err := n.Notify(t.Context(), groupMessage(nil, firing("api-1", "critical", nil))); err == nil || !retry {
		t.Errorf("missing file: retry=%v err=%v", retry, err)
	}
}
