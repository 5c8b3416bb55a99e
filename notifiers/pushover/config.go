// Package pushover sends notifications to Pushover's message API, as
// Alertmanager's pushover_config does: one push notification per message,
// with emergency priority (repeated until acknowledged in the Pushover
// app) for firing groups and normal priority for resolved ones by
// default. The application token and the user key go in the form body,
// never in the URL.
package pushover

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers/internal/secret"
)

// Defaults applied when the configuration leaves a field empty.
const (
	// DefaultAPIURL is the message API's endpoint.
	DefaultAPIURL = "https://api.pushover.net/1/messages.json"
	// DefaultTitle, DefaultMessage and DefaultURL are Alertmanager's
	// templates.
	DefaultTitle   = `{{ template "pushover.default.title" . }}`
	DefaultMessage = `{{ template "pushover.default.message" . }}`
	DefaultURL     = `{{ template "pushover.default.url" . }}`
	// DefaultPriority is emergency (2) while firing, normal (0) when
	// resolved.
	DefaultPriority = `{{ if eq .Status "firing" }}2{{ else }}0{{ end }}`
	// DefaultRetry and DefaultExpire repeat an emergency notification
	// every minute for an hour, until acknowledged.
	DefaultRetry  = time.Minute
	DefaultExpire = time.Hour
)

// Pushover's limits on emergency priority.
const (
	minRetry  = 30 * time.Second
	maxExpire = 3 * time.Hour
)

// Config is a pushover_config, with Alertmanager's keys and meaning.
// Fields documented as templates are rendered with the message's data.
type Config struct {
	// SendResolved says whether resolved groups are notified; default
	// true.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// HTTPConfig configures proxies and TLS as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// UserKey is the recipient user's or group's key.
	UserKey config.Secret `yaml:"user_key,omitempty"`
	// UserKeyFile holds the user key, read at every send. Exclusive
	// with UserKey.
	UserKeyFile string `yaml:"user_key_file,omitempty"`
	// Token is the application's API token.
	Token config.Secret `yaml:"token,omitempty"`
	// TokenFile holds the token, read at every send. Exclusive with
	// Token.
	TokenFile string `yaml:"token_file,omitempty"`
	// Title (template), cut to 250 characters.
	Title string `yaml:"title,omitempty"`
	// Message (template), cut to 1024 characters.
	Message string `yaml:"message,omitempty"`
	// URL (template) is a supplementary link, cut to 512 characters.
	URL string `yaml:"url,omitempty"`
	// URLTitle (template) is the link's text, cut to 100 characters.
	URLTitle string `yaml:"url_title,omitempty"`
	// Device (template) names the user's devices to send to; default all.
	Device string `yaml:"device,omitempty"`
	// Sound (template) names the notification sound.
	Sound string `yaml:"sound,omitempty"`
	// Priority (template) is -2 to 2; default DefaultPriority.
	Priority string `yaml:"priority,omitempty"`
	// Retry is how often an emergency notification is repeated, at least
	// 30s; default 1m.
	Retry model.Duration `yaml:"retry,omitempty"`
	// Expire is how long it is repeated, at most 3h; default 1h.
	Expire model.Duration `yaml:"expire,omitempty"`
	// TTL deletes the notification from the devices after that long.
	TTL model.Duration `yaml:"ttl,omitempty"`
	// HTML renders the message as HTML (values escaped); exclusive with
	// Monospace.
	HTML bool `yaml:"html,omitempty"`
	// Monospace shows the message in a monospace font.
	Monospace bool `yaml:"monospace,omitempty"`
	// APIURL is the message API's endpoint; default DefaultAPIURL.
	// alerter's addition, for proxies and tests.
	APIURL *config.URL `yaml:"api_url,omitempty"`
	// Timeout bounds each request; 0 means 10s. alerter's addition.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// Validate reports every problem of the configuration at once. Template
// syntax is checked by New.
func (c *Config) Validate() error {
	var errs []error
	if err := secret.Exclusive("user_key", c.UserKey != "", c.UserKeyFile, true); err != nil {
		errs = append(errs, err)
	}
	if err := secret.Exclusive("token", c.Token != "", c.TokenFile, true); err != nil {
		errs = append(errs, err)
	}
	if c.HTML && c.Monospace {
		errs = append(errs, errors.New("at most one of html and monospace may be set"))
	}
	if c.Retry != 0 && time.Duration(c.Retry) < minRetry {
		errs = append(errs, fmt.Errorf("retry must be at least %s (Pushover's minimum), got %s", minRetry, c.Retry))
	}
	if c.Expire < 0 || time.Duration(c.Expire) > maxExpire {
		errs = append(errs, fmt.Errorf("expire must be at most %s (Pushover's maximum), got %s", model.Duration(maxExpire), c.Expire))
	}
	if c.TTL < 0 {
		errs = append(errs, fmt.Errorf("ttl must not be negative, got %s", c.TTL))
	}
	if p := c.Priority; p != "" && !strings.Contains(p, "{{") {
		if _, ok := parsePriority(p); !ok {
			errs = append(errs, fmt.Errorf("priority %q is not an integer from -2 to 2 (or a template)", p))
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

// parsePriority reads a priority, -2 to 2.
func parsePriority(s string) (int, bool) {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	return p, err == nil && p >= -2 && p <= 2
}

// TemplateFields returns the templated fields by key, for the configuration
// loader to check against the template files.
func (c *Config) TemplateFields() map[string]string {
	return map[string]string{
		"title": c.Title, "message": c.Message, "url": c.URL, "url_title": c.URLTitle,
		"device": c.Device, "sound": c.Sound, "priority": c.Priority,
	}
}
