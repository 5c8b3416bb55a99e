// Package opsgenie creates, updates and closes Opsgenie alerts through the
// Alert API v2, one Opsgenie alert per alerter group, as Alertmanager's
// opsgenie_config does: the alert's alias is the SHA-256 of the group key,
// so every message of a group lands on the same Opsgenie alert (and on the
// one Alertmanager created for the same group), and the group's
// resolution closes it. alerter adds one thing: when every firing alert of
// the group is acknowledged in alerter, the Opsgenie alert is acknowledged
// too, so Opsgenie stops notifying.
package opsgenie

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers/internal/secret"
)

// Defaults applied when the configuration leaves a field empty.
const (
	// DefaultAPIURL is Opsgenie's API (global.opsgenie_api_url).
	DefaultAPIURL = "https://api.opsgenie.com/"
	// DefaultMessage, DefaultDescription and DefaultSource are
	// Alertmanager's templates.
	DefaultMessage     = `{{ template "opsgenie.default.message" . }}`
	DefaultDescription = `{{ template "opsgenie.default.description" . }}`
	DefaultSource      = `{{ template "opsgenie.default.source" . }}`
)

// Config is an opsgenie_config, with Alertmanager's keys and meaning.
// Fields documented as templates are rendered with the message's data.
type Config struct {
	// SendResolved says whether resolved groups close the alert; default
	// true.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// HTTPConfig configures proxies and TLS as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// APIKey is sent as "Authorization: GenieKey <key>"; default
	// global.opsgenie_api_key.
	APIKey config.Secret `yaml:"api_key,omitempty"`
	// APIKeyFile holds the key, read at every send; default
	// global.opsgenie_api_key_file. Exclusive with APIKey.
	APIKeyFile string `yaml:"api_key_file,omitempty"`
	// APIURL is the API's base; default global.opsgenie_api_url, then
	// DefaultAPIURL (https://api.eu.opsgenie.com/ for the EU instance).
	APIURL *config.URL `yaml:"api_url,omitempty"`
	// Message (template) is the alert's text, cut to 130 characters.
	Message string `yaml:"message,omitempty"`
	// Description (template) is the alert's details text.
	Description string `yaml:"description,omitempty"`
	// Source (template) names where the alert comes from.
	Source string `yaml:"source,omitempty"`
	// Details (templates) are added to the group's common labels as the
	// alert's extra properties.
	Details map[string]string `yaml:"details,omitempty"`
	// Entity (template) is the domain the alert is related to.
	Entity string `yaml:"entity,omitempty"`
	// Responders are notified of the alert.
	Responders []Responder `yaml:"responders,omitempty"`
	// Actions (template) is a comma-separated list of custom actions.
	Actions string `yaml:"actions,omitempty"`
	// Tags (template) is a comma-separated list of tags.
	Tags string `yaml:"tags,omitempty"`
	// Note (template) is added to the alert when it is created.
	Note string `yaml:"note,omitempty"`
	// Priority (template) is P1 to P5.
	Priority string `yaml:"priority,omitempty"`
	// UpdateAlerts makes every message also update the message and the
	// description of an existing alert, which Opsgenie otherwise keeps
	// from its creation.
	UpdateAlerts bool `yaml:"update_alerts,omitempty"`
	// Timeout bounds each request; 0 means 10s. alerter's addition.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// Responder is a team, user, escalation or schedule to notify, by ID,
// name or username (templates). Type "teams" takes a comma-separated
// list of team names in Name.
type Responder struct {
	ID       string `yaml:"id,omitempty"`
	Name     string `yaml:"name,omitempty"`
	Username string `yaml:"username,omitempty"`
	Type     string `yaml:"type,omitempty"`
}

// responderTypes are the responder types Opsgenie knows, and "teams".
var responderTypes = []string{"team", "teams", "user", "escalation", "schedule"}

// Validate reports every problem of the configuration at once, after the
// globals were applied. Template syntax is checked by New.
func (c *Config) Validate() error {
	var errs []error
	if err := secret.Exclusive("api_key", c.APIKey != "", c.APIKeyFile, false); err != nil {
		errs = append(errs, err)
	} else if c.APIKey == "" && c.APIKeyFile == "" {
		errs = append(errs, errors.New("api_key or api_key_file is required (here or as global.opsgenie_api_key or global.opsgenie_api_key_file)"))
	}
	if c.APIURL != nil {
		if err := secret.CheckURL(c.APIURL.URL); err != nil {
			errs = append(errs, fmt.Errorf("api_url %w", err))
		}
	}
	for i, r := range c.Responders {
		if r.ID == "" && r.Name == "" && r.Username == "" {
			errs = append(errs, fmt.Errorf("responders[%d]: one of id, name or username is required", i))
		}
		if !isTemplate(r.Type) && !contains(responderTypes, strings.ToLower(r.Type)) {
			errs = append(errs, fmt.Errorf("responders[%d]: type %q is not one of %s (or a template)", i, r.Type, strings.Join(responderTypes, ", ")))
		}
	}
	if p := c.Priority; p != "" && !isTemplate(p) && !validPriority(p) {
		errs = append(errs, fmt.Errorf("priority %q is not one of P1, P2, P3, P4, P5 (or a template)", p))
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

// TemplateFields returns the templated fields by key, for the configuration
// loader to check against the template files.
func (c *Config) TemplateFields() map[string]string {
	f := map[string]string{
		"message": c.Message, "description": c.Description, "source": c.Source,
		"entity": c.Entity, "actions": c.Actions, "tags": c.Tags, "note": c.Note,
		"priority": c.Priority,
	}
	for k, v := range c.Details {
		f["details."+k] = v
	}
	for i, r := range c.Responders {
		p := fmt.Sprintf("responders[%d].", i)
		f[p+"id"], f[p+"name"], f[p+"username"], f[p+"type"] = r.ID, r.Name, r.Username, r.Type
	}
	return f
}

func validPriority(p string) bool {
	return len(p) == 2 && p[0] == 'P' && p[1] >= '1' && p[1] <= '5'
}

func isTemplate(s string) bool { return strings.Contains(s, "{{") }

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
