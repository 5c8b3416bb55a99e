package webhook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
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
	if _, err := New(Options{Config: c}); err != nil {
		t.Errorf("New: %v", err)
	}
	minimal, err := loadConfig(t, "minimal.yml")
	if err != nil {
		t.Fatalf("minimal.yml: %v", err)
	}
	n, err := New(Options{Config: minimal})
	if err != nil {
		t.Fatal(err)
	}
	if n.timeout != DefaultTimeout || n.userAgent != DefaultUserAgent {
		t.Errorf("defaults: timeout %s, user agent %q", n.timeout, n.userAgent)
	}
}

func TestConfigBad(t *testing.T) {
	tests := []struct {
		file string
		want []string // every one must be reported
	}{
		{file: "bad_unknown_key.yml", want: []string{"field retries not found"}},
		{file: "bad_no_url.yml", want: []string{"url is required"}},
		{file: "bad_values.yml", want: []string{"url scheme must be http or https", "max_alerts must not be negative"}},
		{file: "bad_timeout.yml", want: []string{"not a valid duration"}},
		{file: "bad_http_config.yml", want: []string{"at most one of basic_auth"}},
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
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without config succeeded")
	}
	if _, err := New(Options{Config: &Config{}}); err == nil {
		t.Error("New without URL succeeded")
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	c := &Config{MaxAlerts: -1, Timeout: -1}
	err := c.Validate()
	for _, w := range []string{"url is required", "max_alerts", "timeout"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
}
