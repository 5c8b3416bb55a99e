package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/notifiers"
)

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
	if c.Smarthost != "smtp.example.com:587" || c.AuthUsername != "alerter" || c.AuthPassword != "s3cret" ||
		c.TLSConfig.ServerName != "smtp.example.com" || *c.RequireTLS != true || !*c.SendResolved ||
		c.Headers["Reply-To"] != "oncall@example.com" || time.Duration(c.Timeout) != time.Minute {
		t.Errorf("decoded %+v", c)
	}
	if _, err := New(c, testTemplates(t), notifiers.IntegrationOptions{}); err != nil {
		t.Fatalf("New: %v", err)
	}
	c, err = loadConfig(t, "minimal.yml")
	if err != nil {
		t.Fatalf("minimal.yml: %v", err)
	}
	n, err := New(c, testTemplates(t), notifiers.IntegrationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.cfg.Hello != DefaultHello || n.cfg.HTML != DefaultHTML || n.cfg.Text != DefaultText || n.cfg.Headers["Subject"] != DefaultSubject ||
		!n.requireTLS || n.SendResolved() || n.timeout != DefaultTimeout || c.Headers != nil {
		t.Errorf("defaults: %+v require_tls %v send_resolved %v timeout %s (config changed: %v)", n.cfg, n.requireTLS, n.SendResolved(), n.timeout, c.Headers != nil)
	}
}

func TestConfigBad(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{file: "bad_unknown_key.yml", want: []string{"field smtp_from not found"}},
		{file: "bad_missing.yml", want: []string{"to is required", "from is required", "smarthost is required"}},
		{file: "bad_values.yml", want: []string{
			`smarthost "smtp.example.com" is not host:port`,
			"from: mail: ",
			"at most one of auth_password and auth_password_file",
			"headers: Content-Type is set by alerter",
			`headers: "Bad Name" is not a valid header name`,
			`"Subject" and "subject" are the same header`,
		}},
		{file: "bad_auth_without_user.yml", want: []string{"need auth_username"}},
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
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestConfigValidateTLS(t *testing.T) {
	c := &Config{To: "a@example.com", From: "b@example.com", Smarthost: "h:25"}
	c.TLSConfig.CA, c.TLSConfig.CAFile = "x", "/etc/ssl/ca.pem"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "tls_config: at most one of ca, ca_file") {
		t.Errorf("Validate = %v", err)
	}
	c = &Config{To: "a@example.com", From: "b@example.com", Smarthost: "h:25", Timeout: -1}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "timeout must not be negative") {
		t.Errorf("Validate = %v", err)
	}
}

func TestNewChecksTemplates(t *testing.T) {
	c := &Config{To: "{{ .X", From: "a@example.com", Smarthost: "h:25", Headers: map[string]string{"Subject": "{{ nope }}"}}
	_, err := New(c, testTemplates(t), notifiers.IntegrationOptions{})
	if err == nil || !strings.Contains(err.Error(), "to:") || !strings.Contains(err.Error(), "headers.Subject") {
		t.Errorf("New = %v", err)
	}
	if _, err := New(nil, testTemplates(t), notifiers.IntegrationOptions{}); err == nil {
		t.Error("New without config succeeded")
	}
	if _, err := New(&Config{To: "a@example.com", From: "b@example.com", Smarthost: "h:25"}, nil, notifiers.IntegrationOptions{}); err == nil {
		t.Error("New without templates succeeded")
	}
}

func TestNewLoadsTLSFiles(t *testing.T) {
	c := &Config{To: "a@example.com", From: "b@example.com", Smarthost: "h:25"}
	c.TLSConfig.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := New(c, testTemplates(t), notifiers.IntegrationOptions{}); err == nil || !strings.Contains(err.Error(), "tls_config") {
		t.Errorf("New = %v, want a tls_config error", err)
	}
}
