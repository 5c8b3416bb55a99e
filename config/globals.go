package config

import (
	"fmt"
	"maps"
	"slices"

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
	SMTPTLSConfig        config.TLSConfig `yaml:"smtp_tls_config,omitempty"`
	OpsgenieAPIKey       config.Secret    `yaml:"opsgenie_api_key,omitempty"`
	OpsgenieAPIKeyFile   string           `yaml:"opsgenie_api_key_file,omitempty"`
	OpsgenieAPIURL       *config.URL      `yaml:"opsgenie_api_url,omitempty"`
	VictorOpsAPIKey      config.Secret    `yaml:"victorops_api_key,omitempty"`
	VictorOpsAPIKeyFile  string           `yaml:"victorops_api_key_file,omitempty"`
	VictorOpsAPIURL      *config.URL      `yaml:"victorops_api_url,omitempty"`
	TelegramAPIURL       *config.URL      `yaml:"telegram_api_url,omitempty"`
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
			if e.TLSConfig == (config.TLSConfig{}) {
				e.TLSConfig = g.SMTPTLSConfig
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
		for _, o := range r.OpsgenieConfigs {
			if o == nil {
				continue
			}
			if o.APIKey == "" && o.APIKeyFile == "" {
				o.APIKey, o.APIKeyFile = g.OpsgenieAPIKey, g.OpsgenieAPIKeyFile
			}
			if o.APIURL == nil {
				o.APIURL = g.OpsgenieAPIURL
			}
		}
		for _, v := range r.VictorOpsConfigs {
			if v == nil {
				continue
			}
			if v.APIKey == "" && v.APIKeyFile == "" {
				v.APIKey, v.APIKeyFile = g.VictorOpsAPIKey, g.VictorOpsAPIKeyFile
			}
			if v.APIURL == nil {
				v.APIURL = g.VictorOpsAPIURL
			}
		}
		for _, t := range r.TelegramConfigs {
			if t != nil && t.APIURL == nil {
				t.APIURL = g.TelegramAPIURL
			}
		}
	}
}

// validateGlobals checks the receiver globals that receivers may not use,
// so that a mistake there is reported even before a receiver inherits it.
func (g *NotificationGlobals) validateGlobals(add func(path, msg string)) {
	keys := map[string][2]bool{
		"opsgenie_api_key":  {g.OpsgenieAPIKey != "", g.OpsgenieAPIKeyFile != ""},
		"victorops_api_key": {g.VictorOpsAPIKey != "", g.VictorOpsAPIKeyFile != ""},
	}
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		if pair := keys[key]; pair[0] && pair[1] {
			add("global."+key, fmt.Sprintf("at most one of %s and %s_file may be set", key, key))
		}
	}
	urls := map[string]*config.URL{
		"pagerduty_url": g.PagerdutyURL, "opsgenie_api_url": g.OpsgenieAPIURL,
		"victorops_api_url": g.VictorOpsAPIURL, "telegram_api_url": g.TelegramAPIURL,
	}
	for _, key := range slices.Sorted(maps.Keys(urls)) {
		if u := urls[key]; u != nil && u.URL != nil && ((u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			add("global."+key, "must be an absolute http(s) URL")
		}
	}
}

// applyHTTPConfig gives every integration of r without an http_config
// its own copy of global.http_config, as Alertmanager does.
func (c *Config) applyHTTPConfig(r *Receiver) {
	if c.Global.HTTPConfig == nil {
		return
	}
	r.eachHTTPConfig(func(hc **config.HTTPClientConfig) {
		if *hc == nil {
			def := *c.Global.HTTPConfig
			*hc = &def
		}
	})
}

// eachHTTPConfig calls fn with the http_config field of every integration
// of r.
func (r *Receiver) eachHTTPConfig(fn func(**config.HTTPClientConfig)) {
	for _, x := range r.WebhookConfigs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
	for _, x := range r.SlackConfigs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
	for _, x := range r.PagerdutyConfigs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
	for _, x := range r.OpsgenieConfigs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
	for _, x := range r.MSTeamsConfigs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
	for _, x := range r.MSTeamsV2Configs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
	for _, x := range r.TelegramConfigs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
	for _, x := range r.DiscordConfigs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
	for _, x := range r.VictorOpsConfigs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
	for _, x := range r.PushoverConfigs {
		if x != nil {
			fn(&x.HTTPConfig)
		}
	}
}
