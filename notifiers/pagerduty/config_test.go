package pagerduty

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
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
	if string(c.RoutingKey) != testKey || c.Client != "alerter-prod" || c.Details["team"] != "api" ||
		len(c.Links) != 1 || len(c.Images) != 1 || *c.SendResolved || time.Duration(c.Timeout) != 5*time.Second {
		t.Errorf("decoded %+v", c)
	}
	n, err := New(c, testTemplates(t), testOptions())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if n.url != "https://events.eu.pagerduty.com/v2/enqueue" {
		t.Errorf("url %s", n.url)
	}

	c, err = loadConfig(t, "minimal.yml")
	if err != nil {
		t.Fatalf("minimal.yml: %v", err)
	}
	n, err = New(c, testTemplates(t), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if n.url != DefaultURL || n.timeout != DefaultTimeout || !n.SendResolved() || n.cfg.Client != DefaultClient ||
		n.cfg.Description != DefaultDescription || c.Client != "" {
		t.Errorf("defaults: url %s timeout %s send_resolved %v client %q description %q (config changed: %v)",
			n.url, n.timeout, n.SendResolved(), n.cfg.Client, n.cfg.Description, c.Client != "")
	}
}

func TestConfigBad(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{file: "bad_unknown_key.yml", want: []string{"field serviceKey not found"}},
		{file: "bad_no_key.yml", want: []string{"routing_key or routing_key_file is required"}},
		{file: "bad_values.yml", want: []string{
			"at most one of routing_key and routing_key_file",
			`severity "urgent" is not one of`,
			"url scheme must be http or https",
			"links[0]: href is required",
			"images[0]: src is required",
		}},
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
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error leaks the key: %v", err)
			}
		})
	}
}

func TestNewChecksTemplates(t *testing.T) {
	c := &Config{RoutingKey: testKey, Description: "{{ .Status", Details: map[string]string{"x": "{{ nope }}"}}
	_, err := New(c, testTemplates(t), testOptions())
	if err == nil || !strings.Contains(err.Error(), "description") || !strings.Contains(err.Error(), "details.x") {
		t.Errorf("New = %v, want errors for description and details.x", err)
	}
	if _, err := New(nil, testTemplates(t), testOptions()); err == nil {
		t.Error("New without config succeeded")
	}
	if _, err := New(&Config{RoutingKey: testKey}, nil, testOptions()); err == nil {
		t.Error("New without templates succeeded")
	}
}

func TestConfigValidateNegativeTimeout(t *testing.T) {
	c := &Config{RoutingKey: testKey, Timeout: -1}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "timeout must not be negative") {
		t.Errorf("Validate = %v", err)
	}
}
