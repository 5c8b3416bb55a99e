// Package victorops sends notifications to Splunk On-Call (VictorOps)
// through its REST endpoint integration, as Alertmanager's
// victorops_config does: one incident per alerter group, whose entity_id
// is the SHA-256 of the group key, opened with the configured
// message_type and recovered when the group resolves. alerter adds one
// thing: when every firing alert of the group is acknowledged in alerter,
// it sends an ACKNOWLEDGEMENT, so Splunk On-Call stops paging.
package victorops

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers/internal/secret"
)

// Defaults applied when the configuration leaves a field empty.
const (
	// DefaultAPIURL is the REST endpoint (global.victorops_api_url).
	DefaultAPIURL = "https://alert.victorops.com/integrations/generic/20131114/alert/"
	// DefaultMessageType opens an incident.
	DefaultMessageType = "CRITICAL"
	// DefaultStateMessage, DefaultEntityDisplayName and
	// DefaultMonitoringTool are Alertmanager's templates.
	DefaultStateMessage      = `{{ template "victorops.default.state_message" . }}`
	DefaultEntityDisplayName = `{{ template "victorops.default.entity_display_name" . }}`
	DefaultMonitoringTool    = `{{ template "victorops.default.monitoring_tool" . }}`
)

// Config is a victorops_config, with Alertmanager's keys and meaning.
// Fields documented as templates are rendered with the message's data.
type Config struct {
	// SendResolved says whether resolved groups send a RECOVERY; default
	// true.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// HTTPConfig configures proxies and TLS as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// APIKey is the REST integration's key, a part of the URL's path;
	// default global.victorops_api_key.
	APIKey config.Secret `yaml:"api_key,omitempty"`
	// APIKeyFile holds the key, read at every send; default
	// global.victorops_api_key_file. Exclusive with APIKey.
	APIKeyFile string `yaml:"api_key_file,omitempty"`
	// APIURL is the endpoint's base; default global.victorops_api_url,
	// then DefaultAPIURL.
	APIURL *config.URL `yaml:"api_url,omitempty"`
	// RoutingKey (template) selects the escalation policy; required.
	RoutingKey string `yaml:"routing_key,omitempty"`
	// MessageType (template) is CRITICAL, WARNING or INFO for a firing
	// group; default CRITICAL. Anything else renders as CRITICAL.
	MessageType string `yaml:"message_type,omitempty"`
	// StateMessage (template) is the incident's long description, cut to
	// 20480 characters.
	StateMessage string `yaml:"state_message,omitempty"`
	// EntityDisplayName (template) is the incident's summary.
	EntityDisplayName string `yaml:"entity_display_name,omitempty"`
	// MonitoringTool (template) names the sender.
	MonitoringTool string `yaml:"monitoring_tool,omitempty"`
	// CustomFields (templates) are added to the payload.
	CustomFields map[string]string `yaml:"custom_fields,omitempty"`
	// Timeout bounds each request; 0 means 10s. alerter's addition.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// reservedFields are the payload fields custom_fields cannot set.
var reservedFields = []string{"routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool", "entity_id", "entity_state"}

// messageTypes are what a firing group may be sent as.
var messageTypes = []string{"CRITICAL", "WARNING", "INFO"}

// Validate reports every problem of the configuration at once, after the
// globals were applied. Template syntax is checked by New.
func (c *Config) Validate() error {
	var errs []error
	if err := secret.Exclusive("api_key", c.APIKey != "", c.APIKeyFile, false); err != nil {
		errs = append(errs, err)
	} else if c.APIKey == "" && c.APIKeyFile == "" {
		errs = append(errs, errors.New("api_key or api_key_file is required (here or as global.victorops_api_key or global.victorops_api_key_file)"))
	}
	if strings.TrimSpace(c.RoutingKey) == "" {
		errs = append(errs, errors.New("routing_key is required"))
	}
	if c.APIURL != nil {
		if err := secret.CheckURL(c.APIURL.URL); err != nil {
			errs = append(errs, fmt.Errorf("api_url %w", err))
		}
	}
	if t := c.MessageType; t != "" && !strings.Contains(t, "{{") && !slices.Contains(messageTypes, strings.ToUpper(t)) {
		errs = append(errs, fmt.Errorf("message_type %q is not one of CRITICAL, WARNING, INFO (or a template)", t))
	}
	for _, f := range reservedFields {
		if _, ok := c.CustomFields[f]; ok {
			errs = append(errs, fmt.Errorf("custom_fields: %s is a field of the payload and cannot be set here", f))
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

// TemplateFields returns the templated fields by key, for the configuration
// loader to check against the template files.
func (c *Config) TemplateFields() map[string]string {
	f := map[string]string{
		"routing_key": c.RoutingKey, "message_type": c.MessageType, "state_message": c.StateMessage,
		"entity_display_name": c.EntityDisplayName, "monitoring_tool": c.MonitoringTool,
	}
	for k, v := range c.CustomFields {
		f["custom_fields."+k] = v
	}
	return f
}
