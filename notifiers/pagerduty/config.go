// Package pagerduty triggers and resolves PagerDuty alerts through the
// Events API v2 (with a routing_key), or v1 (with a service_key, for
// PagerDuty services of the older "Prometheus" integration type), one
// PagerDuty alert per alerter group: the dedup_key (v1: incident_key) is
// derived from the group key, so every message of a group updates the
// same PagerDuty alert and the group's resolution resolves it.
package pagerduty

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
)

// Defaults applied by New when the configuration leaves a field empty.
const (
	// DefaultURL is the Events API v2 endpoint.
	DefaultURL = "https://events.pagerduty.com/v2/enqueue"
	// DefaultV1URL is the Events API v1 endpoint.
	DefaultV1URL = "https://events.pagerduty.com/generic/2010-04-15/create_event.json"
	// DefaultClient names the sending system in PagerDuty.
	DefaultClient = "alerter"
	// DefaultDescription is the summary template.
	DefaultDescription = `{{ template "pagerduty.default.description" . }}`
	// DefaultTimeout bounds each request.
	DefaultTimeout = 10 * time.Second
)

// DefaultDetails returns the custom_details templates used for the keys
// that Config.Details does not set, as in Alertmanager: the firing and
// resolved alerts as text, and their numbers.
func DefaultDetails() map[string]string {
	return map[string]string{
		"firing":       alertListTemplate("Firing"),
		"resolved":     alertListTemplate("Resolved"),
		"num_firing":   `{{ .Alerts.Firing | len }}`,
		"num_resolved": `{{ .Alerts.Resolved | len }}`,
	}
}

// alertListTemplate lists the alerts of .Alerts.<which>, one block each:
// labels on the first line, then annotations and the source link.
func alertListTemplate(which string) string {
	return `{{ range .Alerts.` + which + ` }}{{ .Labels }}{{ if .Flapping }} (flapping since {{ .FlappingSince.UTC.Format "2006-01-02 15:04 MST" }}){{ end }}
{{ range .Annotations.SortedPairs }}  {{ .Name }}: {{ .Value }}
{{ end }}{{ if .GeneratorURL }}  source: {{ .GeneratorURL }}
{{ end }}{{ end }}`
}

// Config is a pagerduty_config, with Alertmanager's names and meaning.
// Fields documented as templates are rendered with the message's template
// data.
type Config struct {
	// RoutingKey is the 32-character integration key. It is sent in the
	// body only, never logged.
	RoutingKey config.Secret `yaml:"routing_key,omitempty"`
	// RoutingKeyFile names a file holding the key, read at every send
	// (surrounding white space trimmed). Exclusive with RoutingKey.
	RoutingKeyFile string `yaml:"routing_key_file,omitempty"`
	// ServiceKey is the integration key of a service whose integration
	// type is "Prometheus" (or another Events API v1 one): set, events go
	// to the Events API v1, as in Alertmanager, which then ignores the
	// routing key. It is sent in the body only, never logged.
	ServiceKey config.Secret `yaml:"service_key,omitempty"`
	// ServiceKeyFile names a file holding the service key, read at every
	// send. Exclusive with ServiceKey.
	ServiceKeyFile string `yaml:"service_key_file,omitempty"`
	// URL is the Events API v2 endpoint; default DefaultURL. With a
	// service key, events go to DefaultV1URL; a URL ending in
	// /v2/enqueue (such as global.pagerduty_url) sends them to the v1
	// path on the same host (events.eu.pagerduty.com, a proxy), and any
	// other URL is used as the v1 endpoint itself.
	URL *config.URL `yaml:"url,omitempty"`
	// Client (template) names the sender; default DefaultClient.
	Client string `yaml:"client,omitempty"`
	// ClientURL (template) links back to the sender; default the
	// external URL.
	ClientURL string `yaml:"client_url,omitempty"`
	// Description (template) is the alert's summary, cut to 1024
	// characters; default DefaultDescription.
	Description string `yaml:"description,omitempty"`
	// Severity (template) is critical, error, warning or info. By
	// default the group's highest severity label is mapped to one of
	// these (see MapSeverity); a rendered value is mapped the same way.
	Severity string `yaml:"severity,omitempty"`
	// Class, Component and Group (templates) are PagerDuty's optional
	// payload fields.
	Class     string `yaml:"class,omitempty"`
	Component string `yaml:"component,omitempty"`
	Group     string `yaml:"group,omitempty"`
	// Source (template) is the affected system; default the client.
	Source string `yaml:"source,omitempty"`
	// Details (templates) become custom_details, merged over
	// DefaultDetails.
	Details map[string]string `yaml:"details,omitempty"`
	// Links and Images (templates) are attached to the alert; those
	// whose href or src renders empty are left out.
	Links  []Link  `yaml:"links,omitempty"`
	Images []Image `yaml:"images,omitempty"`
	// SendResolved says whether resolve events are sent; default true.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// HTTPConfig configures proxies and TLS as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// Link is a link attached to a PagerDuty alert.
type Link struct {
	Href string `yaml:"href" json:"href"`
	Text string `yaml:"text,omitempty" json:"text,omitempty"`
}

// Image is an image attached to a PagerDuty alert; PagerDuty only shows
// images served over https.
type Image struct {
	Src  string `yaml:"src" json:"src"`
	Alt  string `yaml:"alt,omitempty" json:"alt,omitempty"`
	Href string `yaml:"href,omitempty" json:"href,omitempty"`
}

// Validate reports every problem of the configuration at once. Template
// syntax is checked by New, which has the templates.
func (c *Config) Validate() error {
	var errs []error
	if c.RoutingKey != "" && c.RoutingKeyFile != "" {
		errs = append(errs, errors.New("at most one of routing_key and routing_key_file may be set"))
	}
	if c.ServiceKey != "" && c.ServiceKeyFile != "" {
		errs = append(errs, errors.New("at most one of service_key and service_key_file may be set"))
	}
	if c.RoutingKey == "" && c.RoutingKeyFile == "" && !c.v1() {
		errs = append(errs, errors.New("routing_key or routing_key_file is required (Events API v2), or service_key or service_key_file (Events API v1)"))
	}
	if c.URL != nil && c.URL.URL != nil {
		if err := checkURL(c.URL.URL); err != nil {
			errs = append(errs, fmt.Errorf("url %w", err))
		}
	}
	if s := c.Severity; s != "" && !strings.Contains(s, "{{") {
		if _, ok := mapSeverity(s); !ok {
			errs = append(errs, fmt.Errorf("severity %q is not one of critical, error, warning, info (or a template)", s))
		}
	}
	for i, l := range c.Links {
		if l.Href == "" {
			errs = append(errs, fmt.Errorf("links[%d]: href is required", i))
		}
	}
	for i, im := range c.Images {
		if im.Src == "" {
			errs = append(errs, fmt.Errorf("images[%d]: src is required", i))
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

// v1 reports whether the Events API v1 is used: a service key is set.
func (c *Config) v1() bool { return c.ServiceKey != "" || c.ServiceKeyFile != "" }

// v1URL is where v1 events go for the configured url (see Config.URL).
func v1URL(u *config.URL) string {
	if u == nil || u.URL == nil {
		return DefaultV1URL
	}
	if path, ok := strings.CutSuffix(u.Path, "/v2/enqueue"); ok {
		v := *u.URL
		v.Path, v.RawPath = path+"/generic/2010-04-15/create_event.json", ""
		return v.String()
	}
	return u.String()
}

// checkURL says what is wrong with an endpoint URL.
func checkURL(u *url.URL) error {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme must be http or https, not %q", u.Scheme)
	case u.Host == "":
		return errors.New("has no host")
	}
	return nil
}
