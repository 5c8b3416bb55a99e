package webhook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/notifiers"
)

// loadConfig decodes a fixture strictly, as alerter's config loader does.
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
	return &c, c.Validate()
}

func TestConfigGood(t *testing.T) {
	c, err := loadConfig(t, "good.yml")
	if err != nil {
		t.Fatalf("good.yml: %v", err)
	}
	if c.URL.Host != "hooks.example.com" || c.MaxAlerts != 20 || time.Duration(c.Timeout) != 5*time.Second {
		t.Errorf("decoded %+v", c)
	}
	if c.HTTPConfig == nil || c.HTTPConfig.Authorization == nil || c.HTTPConfig.Authorization.Type != "Bearer" {
		t.Errorf("http_config %+v", c.HTTPConfig)
	}
	if c.SendResolved == nil || *c.SendResolved || c.HMACSecret != "s3cret" || c.HMACHeader != "X-Hub-Signature-256" {
		t.Errorf("send_resolved %v, hmac_secret set %v, hmac_header %q", c.SendResolved, c.HMACSecret != "", c.HMACHeader)
	}
	n, err := New(c, testOptions())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if n.SendResolved() || n.hmacHeader != "X-Hub-Signature-256" {
		t.Errorf("notifier: send_resolved %v, header %q", n.SendResolved(), n.hmacHeader)
	}

	for _, name := range []string{"minimal.yml", "url_file.yml"} {
		c, err := loadConfig(t, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n, err := New(c, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		if n.timeout != DefaultTimeout || !n.SendResolved() || n.hmacHeader != DefaultSignatureHeader {
			t.Errorf("%s defaults: timeout %s, send_resolved %v, header %q", name, n.timeout, n.SendResolved(), n.hmacHeader)
		}
	}
	n, err = New(&Config{URLFile: "/x"}, notifiers.IntegrationOptions{})
	if err != nil || n.client.UserAgent != DefaultUserAgent {
		t.Errorf("user agent default: %v %q", err, n.client.UserAgent)
	}
}

func TestConfigBad(t *testing.T) {
	tests := []struct {
		file string
		want []string // every one must be reported
	}{
		{file: "bad_unknown_key.yml", want: []string{"field retries not found"}},
		{file: "bad_no_url.yml", want: []string{"url or url_file is required"}},
		{file: "bad_values.yml", want: []string{"url scheme must be http or https", "max_alerts must not be negative"}},
		{file: "bad_timeout.yml", want: []string{"not a valid duration"}},
		{file: "bad_http_config.yml", want: []string{"at most one of basic_auth"}},
		{file: "bad_url_both.yml", want: []string{"at most one of url and url_file"}},
		{file: "bad_hmac.yml", want: []string{"at most one of hmac_secret and hmac_secret_file", `hmac_header "X Sig" is not a valid HTTP header name`}},
		{file: "bad_hmac_header_alone.yml", want: []string{"hmac_header is set but neither"}},
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
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(nil, testOptions()); err == nil {
		t.Error("New without config succeeded")
	}
	if _, err := New(&Config{}, testOptions()); err == nil {
		t.Error("New without URL succeeded")
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	c := &Config{MaxAlerts: -1, Timeout: -1}
	err := c.Validate()
	for _, w := range []string{"url or url_file is required", "max_alerts", "timeout"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
}
