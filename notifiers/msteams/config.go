// Package msteams posts notifications to Microsoft Teams, as
// Alertmanager's msteams_config and msteamsv2_config do: through an
// Office 365 connector's incoming webhook as a legacy MessageCard
// (Config, being retired by Microsoft), or through a Power Automate
// Workflows webhook as a message with an Adaptive Card (V2Config). The
// webhook URL holds a signature: it never appears in errors or logs.
package msteams

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/secret"
)

// Default templates, Alertmanager's.
const (
	DefaultTitle     = `{{ template "msteams.default.title" . }}`
	DefaultSummary   = `{{ template "msteams.default.summary" . }}`
	DefaultText      = `{{ template "msteams.default.text" . }}`
	DefaultV2Title   = `{{ template "msteamsv2.default.title" . }}`
	DefaultV2Text    = `{{ template "msteamsv2.default.text" . }}`
	maxMessageBytes  = 28 * 1024 // Teams' limit for connectors and Workflows
	defaultUserAgent = "alerter/unknown"
)

// Config is an msteams_config: an incoming webhook of an Office 365
// connector, sent a MessageCard.
type Config struct {
	// SendResolved says whether resolved groups are notified; default
	// true.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// HTTPConfig configures proxies and TLS as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// WebhookURL is the incoming webhook's URL, a credential.
	WebhookURL *notifiers.SecretURL `yaml:"webhook_url,omitempty"`
	// WebhookURLFile holds the URL, read at every send. Exclusive with
	// WebhookURL.
	WebhookURLFile string `yaml:"webhook_url_file,omitempty"`
	// Title (template) is the card's title.
	Title string `yaml:"title,omitempty"`
	// Summary (template) is the card's summary, shown in notifications.
	Summary string `yaml:"summary,omitempty"`
	// Text (template) is the card's Markdown body, cut so that the card
	// fits Teams' 28 KB.
	Text string `yaml:"text,omitempty"`
	// Timeout bounds each request; 0 means 10s. alerter's addition.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// V2Config is an msteamsv2_config: a Workflows webhook, sent an Adaptive
// Card.
type V2Config struct {
	// SendResolved says whether resolved groups are notified; default
	// true.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// HTTPConfig configures proxies and TLS as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// WebhookURL is the workflow's URL, a credential.
	WebhookURL *notifiers.SecretURL `yaml:"webhook_url,omitempty"`
	// WebhookURLFile holds the URL, read at every send. Exclusive with
	// WebhookURL.
	WebhookURLFile string `yaml:"webhook_url_file,omitempty"`
	// Title (template) is the card's heading, coloured by status.
	Title string `yaml:"title,omitempty"`
	// Text (template) is the card's Markdown body, cut so that the
	// message fits Teams' 28 KB.
	Text string `yaml:"text,omitempty"`
	// Timeout bounds each request; 0 means 10s. alerter's addition.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// Validate reports every problem of the configuration at once. Template
// syntax is checked by New.
func (c *Config) Validate() error {
	return validate(c.WebhookURL, c.WebhookURLFile, c.Timeout, c.HTTPConfig)
}

// Validate reports every problem of the configuration at once. Template
// syntax is checked by NewV2.
func (c *V2Config) Validate() error {
	return validate(c.WebhookURL, c.WebhookURLFile, c.Timeout, c.HTTPConfig)
}

func validate(u *notifiers.SecretURL, file string, timeout model.Duration, hc *config.HTTPClientConfig) error {
	var errs []error
	if err := secret.Exclusive("webhook_url", u != nil, file, true); err != nil {
		errs = append(errs, err)
	}
	if u != nil {
		if err := secret.CheckURL(u.URL); err != nil {
			errs = append(errs, fmt.Errorf("webhook_url %w", err))
		}
	}
	if timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout must not be negative, got %s", time.Duration(timeout)))
	}
	if hc != nil {
		if err := hc.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("http_config: %w", err))
		}
	}
	return errors.Join(errs...)
}

// TemplateFields returns the templated fields by key, for the
// configuration loader to check against the template files.
func (c *Config) TemplateFields() map[string]string {
	return map[string]string{"title": c.Title, "summary": c.Summary, "text": c.Text}
}

// TemplateFields returns the templated fields by key, for the
// configuration loader to check against the template files.
func (c *V2Config) TemplateFields() map[string]string {
	return map[string]string{"title": c.Title, "text": c.Text}
}
