// Package webhook posts notifications as Alertmanager's webhook JSON
// (version "4"), so that anything that receives Alertmanager webhooks can
// receive alerter's.
package webhook

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
)

// DefaultTimeout bounds each request when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config is a webhook receiver's configuration, in Alertmanager's terms.
type Config struct {
	// URL receives the POSTs. It may hold a secret (a token in the path,
	// query or userinfo) and is never logged in full.
	URL *config.URL `yaml:"url"`
	// HTTPConfig configures auth, TLS and proxies as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// MaxAlerts caps the alerts of one payload; 0 means no cap. The rest
	// are counted in truncatedAlerts.
	MaxAlerts int `yaml:"max_alerts,omitempty"`
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	var errs []error
	switch {
	case c.URL == nil || c.URL.URL == nil:
		errs = append(errs, errors.New("url is required"))
	case c.URL.Scheme != "http" && c.URL.Scheme != "https":
		errs = append(errs, fmt.Errorf("url scheme must be http or https, not %q", c.URL.Scheme))
	case c.URL.Host == "":
		errs = append(errs, errors.New("url has no host"))
	}
	if c.MaxAlerts < 0 {
		errs = append(errs, fmt.Errorf("max_alerts must not be negative, got %d", c.MaxAlerts))
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
