package webhook

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers/internal/secret"
)

// Defaults applied by New when the configuration leaves a field empty.
const (
	// DefaultTimeout bounds each request.
	DefaultTimeout = 10 * time.Second
	// DefaultSignatureHeader carries the HMAC signature.
	DefaultSignatureHeader = "X-Alerter-Signature"
)

// Config is a webhook receiver's configuration: Alertmanager's
// webhook_config, plus alerter's request signing.
type Config struct {
	// URL receives the POSTs. It may hold a secret (a token in the path,
	// query or userinfo) and is never logged in full.
	URL *config.URL `yaml:"url,omitempty"`
	// URLFile names a file holding the URL, read at every send so that a
	// rotated URL takes effect without a reload. Exclusive with URL.
	URLFile string `yaml:"url_file,omitempty"`
	// SendResolved says whether resolved alerts are sent; default true.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// HTTPConfig configures auth, TLS and proxies as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// MaxAlerts caps the alerts of one payload; 0 means no cap. The rest
	// are counted in truncatedAlerts.
	MaxAlerts int `yaml:"max_alerts,omitempty"`
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout model.Duration `yaml:"timeout,omitempty"`

	// HMACSecret, when set, signs every request (see Verify). alerter's
	// extension; Alertmanager has no equivalent.
	HMACSecret config.Secret `yaml:"hmac_secret,omitempty"`
	// HMACSecretFile names a file holding the secret, read at every send
	// (surrounding white space is trimmed). Exclusive with HMACSecret.
	HMACSecretFile string `yaml:"hmac_secret_file,omitempty"`
	// HMACHeader names the signature header; default
	// DefaultSignatureHeader.
	HMACHeader string `yaml:"hmac_header,omitempty"`
}

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	var errs []error
	hasURL := c.URL != nil && c.URL.URL != nil
	switch {
	case hasURL && c.URLFile != "":
		errs = append(errs, errors.New("at most one of url and url_file may be set"))
	case hasURL:
		if err := secret.CheckURL(c.URL.URL); err != nil {
			errs = append(errs, fmt.Errorf("url %w", err))
		}
	case c.URLFile == "":
		errs = append(errs, errors.New("url or url_file is required"))
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
	if c.HMACSecret != "" && c.HMACSecretFile != "" {
		errs = append(errs, errors.New("at most one of hmac_secret and hmac_secret_file may be set"))
	}
	if c.HMACHeader != "" {
		if c.HMACSecret == "" && c.HMACSecretFile == "" {
			errs = append(errs, errors.New("hmac_header is set but neither hmac_secret nor hmac_secret_file is"))
		}
		if !isToken(c.HMACHeader) {
			errs = append(errs, fmt.Errorf("hmac_header %q is not a valid HTTP header name", c.HMACHeader))
		}
	}
	return errors.Join(errs...)
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2),
// as header names must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", r) {
			return false
		}
	}
	return true
}
