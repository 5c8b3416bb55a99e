// Package discord posts notifications to a Discord channel through an
// incoming webhook (Execute Webhook), as Alertmanager's discord_config
// does: one message per notification, with an embed whose title and
// description are rendered from templates and whose colour says firing
// (red) or resolved (green). The webhook URL holds a token: it never
// appears in errors or logs.
package discord

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
	DefaultTitle   = `{{ template "discord.default.title" . }}`
	DefaultMessage = `{{ template "discord.default.message" . }}`
	DefaultContent = `{{ template "discord.default.content" . }}`
)

// Config is a discord_config, with Alertmanager's keys and meaning.
type Config struct {
	// SendResolved says whether resolved groups are notified; default
	// true.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// HTTPConfig configures proxies and TLS as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// WebhookURL is the channel's webhook URL, a credential.
	WebhookURL *notifiers.SecretURL `yaml:"webhook_url,omitempty"`
	// WebhookURLFile holds the URL, read at every send. Exclusive with
	// WebhookURL.
	WebhookURLFile string `yaml:"webhook_url_file,omitempty"`
	// Title (template) is the embed's title, cut to 256 characters.
	Title string `yaml:"title,omitempty"`
	// Message (template) is the embed's description, cut to 4096
	// characters.
	Message string `yaml:"message,omitempty"`
	// Content (template) is the message's text above the embed (where
	// mentions such as <@&role> notify), cut to 2000 characters.
	Content string `yaml:"content,omitempty"`
	// Username overrides the webhook's name.
	Username string `yaml:"username,omitempty"`
	// AvatarURL overrides the webhook's avatar.
	AvatarURL string `yaml:"avatar_url,omitempty"`
	// Timeout bounds each request; 0 means 10s. alerter's addition.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// Validate reports every problem of the configuration at once. Template
// syntax is checked by New.
func (c *Config) Validate() error {
	var errs []error
	if err := secret.Exclusive("webhook_url", c.WebhookURL != nil, c.WebhookURLFile, true); err != nil {
		errs = append(errs, err)
	}
	if c.WebhookURL != nil {
		if err := secret.CheckURL(c.WebhookURL.URL); err != nil {
			errs = append(errs, fmt.Errorf("webhook_url %w", err))
		}
	}
	if len([]rune(c.Username)) > 80 {
		errs = append(errs, errors.New("username is longer than Discord's 80 characters"))
	}
	if c.AvatarURL != "" {
		if u, err := notifiers.ParseSecretURL(c.AvatarURL); err != nil || secret.CheckURL(u.URL) != nil {
			errs = append(errs, errors.New("avatar_url is not an absolute http(s) URL"))
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout must not be negative, got %s", time.Duration(c.Timeout)))
	}
	if c.HTTPConfig != nil {
		if err := c.HTTPConfig.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("http_config: %w", err))
		}
	}
	return errors.Join(errs...)
}

// TemplateFields returns the templated fields by key, for the
// configuration loader to check against the template files.
func (c *Config) TemplateFields() map[string]string {
	return map[string]string{"title": c.Title, "message": c.Message, "content": c.Content}
}
