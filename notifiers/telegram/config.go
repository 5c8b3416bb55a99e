// Package telegram sends notifications to a Telegram chat through the Bot
// API's sendMessage method, as Alertmanager's telegram_config does. The
// bot token is part of the request's path: it never appears in errors or
// logs, which show the API's host only.
package telegram

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers/internal/secret"
)

// Defaults applied when the configuration leaves a field unset.
const (
	// DefaultAPIURL is the Bot API (global.telegram_api_url).
	DefaultAPIURL = "https://api.telegram.org"
	// DefaultMessage is Alertmanager's template.
	DefaultMessage = `{{ template "telegram.default.message" . }}`
	// DefaultParseMode formats the message as Telegram's HTML.
	DefaultParseMode = "HTML"
)

// Config is a telegram_config, with Alertmanager's keys and meaning.
type Config struct {
	// SendResolved says whether resolved groups are notified; default
	// true.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// HTTPConfig configures proxies and TLS as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// APIURL is the Bot API's base; default global.telegram_api_url, then
	// DefaultAPIURL.
	APIURL *config.URL `yaml:"api_url,omitempty"`
	// BotToken is the bot's token from @BotFather.
	BotToken config.Secret `yaml:"bot_token,omitempty"`
	// BotTokenFile holds the token, read at every send. Exclusive with
	// BotToken.
	BotTokenFile string `yaml:"bot_token_file,omitempty"`
	// ChatID is the chat to post to; required.
	ChatID int64 `yaml:"chat_id,omitempty"`
	// MessageThreadID is the forum topic to post to, if any.
	MessageThreadID int `yaml:"message_thread_id,omitempty"`
	// Message (template) is the text; with parse_mode HTML, values are
	// escaped. Cut to Telegram's 4096 characters.
	Message string `yaml:"message,omitempty"`
	// DisableNotifications sends silently.
	DisableNotifications bool `yaml:"disable_notifications,omitempty"`
	// ParseMode is HTML (the default), Markdown, MarkdownV2 or "" for
	// plain text.
	ParseMode *string `yaml:"parse_mode,omitempty"`
	// Timeout bounds each request; 0 means 10s. alerter's addition.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// Validate reports every problem of the configuration at once. Template
// syntax is checked by New.
func (c *Config) Validate() error {
	var errs []error
	if err := secret.Exclusive("bot_token", c.BotToken != "", c.BotTokenFile, true); err != nil {
		errs = append(errs, err)
	}
	if c.ChatID == 0 {
		errs = append(errs, errors.New("chat_id is required"))
	}
	if c.MessageThreadID < 0 {
		errs = append(errs, fmt.Errorf("message_thread_id must not be negative, got %d", c.MessageThreadID))
	}
	if c.ParseMode != nil {
		switch *c.ParseMode {
		case "", "HTML", "Markdown", "MarkdownV2":
		default:
			errs = append(errs, fmt.Errorf("parse_mode %q is not one of HTML, Markdown, MarkdownV2 or empty (plain text)", *c.ParseMode))
		}
	}
	if c.APIURL != nil {
		if err := secret.CheckURL(c.APIURL.URL); err != nil {
			errs = append(errs, fmt.Errorf("api_url %w", err))
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
	return map[string]string{"message": c.Message}
}
