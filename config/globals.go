package config

import (
	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/notifiers/slack"
)

// NotificationGlobals are Alertmanager's global notification defaults,
// applied to every receiver integration that does not set the field
// itself, so that an Alertmanager configuration's `global:` keeps working.
type NotificationGlobals struct {
	SMTPFrom             string           `yaml:"smtp_from,omitempty"`
	SMTPHello            string           `yaml:"smtp_hello,omitempty"`
	SMTPSmarthost        string           `yaml:"smtp_smarthost,omitempty"`
	SMTPAuthUsername     string           `yaml:"smtp_auth_username,omitempty"`
	SMTPAuthPassword     config.Secret    `yaml:"smtp_auth_password,omitempty"`
	SMTPAuthPasswordFile string           `yaml:"smtp_auth_password_file,omitempty"`
	SMTPAuthSecret       config.Secret    `yaml:"smtp_auth_secret,omitempty"`
	SMTPAuthIdentity     string           `yaml:"smtp_auth_identity,omitempty"`
	SMTPRequireTLS       *bool            `yaml:"smtp_require_tls,omitempty"`
	SlackAPIURL          *slack.SecretURL `yaml:"slack_api_url,omitempty"`
	SlackAPIURLFile      string           `yaml:"slack_api_url_file,omitempty"`
	PagerdutyURL         *config.URL      `yaml:"pagerduty_url,omitempty"`
}

// applyGlobals fills receivers' unset fields from the globals.
func (c *Config) applyGlobals() {
	g := c.Global.NotificationGlobals
	for _, r := range c.Receivers {
		if r == nil {
			continue
		}
		c.applyHTTPConfig(r)
		for _, e := range r.EmailConfigs {
			if e == nil {
				continue
			}
			if e.From == "" {
				e.From = g.SMTPFrom
			}
			if e.Hello == "" {
				e.Hello = g.SMTPHello
			}
			if e.Smarthost == "" {
				e.Smarthost = g.SMTPSmarthost
			}
			if e.AuthUsername == "" && e.AuthPassword == "" && e.AuthPasswordFile == "" {
				e.AuthUsername, e.AuthPassword, e.AuthPasswordFile = g.SMTPAuthUsername, g.SMTPAuthPassword, g.SMTPAuthPasswordFile
			}
			if e.AuthSecret == "" {
				e.AuthSecret = g.SMTPAuthSecret
			}
			if e.AuthIdentity == "" {
				e.AuthIdentity = g.SMTPAuthIdentity
			}
			if e.RequireTLS == nil {
				e.RequireTLS = g.SMTPRequireTLS
			}
		}
		for _, s := range r.SlackConfigs {
			if s == nil || s.APIURL != nil || s.APIURLFile != "" || s.AppToken != "" || s.AppTokenFile != "" {
				continue
			}
			s.APIURL, s.APIURLFile = g.SlackAPIURL, g.SlackAPIURLFile
		}
		for _, p := range r.PagerdutyConfigs {
			if p != nil && p.URL == nil {
				p.URL = g.PagerdutyURL
			}
		}
	}
}

// applyHTTPConfig gives every integration of r without an http_config
// its own copy of global.http_config, as Alertmanager does.
func (c *Config) applyHTTPConfig(r *Receiver) {
	if c.Global.HTTPConfig == nil {
		return
	}
	def := func() *config.HTTPClientConfig {
		hc := *c.Global.HTTPConfig
		return &hc
	}
	for _, w := range r.WebhookConfigs {
		if w != nil && w.HTTPConfig == nil {
			w.HTTPConfig = def()
		}
	}
	for _, s := range r.SlackConfigs {
		if s != nil && s.HTTPConfig == nil {
			s.HTTPConfig = def()
		}
	}
	for _, p := range r.PagerdutyConfigs {
		if p != nil && p.HTTPConfig == nil {
			p.HTTPConfig = def()
		}
	}
}
