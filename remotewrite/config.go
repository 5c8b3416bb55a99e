// Package remotewrite sends samples to a Prometheus remote-write receiver
// (protocol 1.0: a snappy-compressed prompb.WriteRequest): the series that
// alerter's recording rules record and the ALERTS and ALERTS_FOR_STATE
// series of its alerting rules. Each configured endpoint has a bounded
// in-memory queue with its own sender, which retries what the receiver
// may accept later (network errors, 5xx, 429) with exponential back-off
// and gives up on what it refuses (other 4xx); when a queue is full its
// oldest samples are dropped. Appending never waits for the network.
package remotewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/relabel"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/internal/strictyaml"
)

// Config is one remote_write entry, with Prometheus's keys: url, name,
// remote_timeout, headers, write_relabel_configs, queue_config and the
// HTTP client settings (basic_auth, authorization, oauth2, tls_config,
// proxy_url, ...).
type Config struct {
	URL  *config.URL `yaml:"url,omitempty"`
	Name string      `yaml:"name,omitempty"`
	// RemoteTimeout bounds each request (30s).
	RemoteTimeout model.Duration `yaml:"remote_timeout,omitempty"`
	// Headers are added to every request.
	Headers map[string]string `yaml:"headers,omitempty"`
	// WriteRelabelConfigs relabel (or drop) each series before it is sent.
	WriteRelabelConfigs []*RelabelConfig `yaml:"write_relabel_configs,omitempty"`
	QueueConfig         QueueConfig      `yaml:"queue_config,omitempty"`

	HTTPClientConfig config.HTTPClientConfig `yaml:",inline"`
}

// QueueConfig bounds and paces one endpoint's queue. alerter sends over
// one connection per endpoint, in order, so Prometheus's shard settings do
// not apply.
type QueueConfig struct {
	// Capacity is how many samples the queue holds (10000); when it is
	// full the oldest are dropped.
	Capacity int `yaml:"capacity,omitempty"`
	// MaxSamplesPerSend is the largest batch (2000).
	MaxSamplesPerSend int `yaml:"max_samples_per_send,omitempty"`
	// BatchSendDeadline is how long a sample may wait for a batch to fill
	// (5s).
	BatchSendDeadline model.Duration `yaml:"batch_send_deadline,omitempty"`
	// MinBackoff and MaxBackoff bound the wait between retries (30ms, 5s).
	MinBackoff model.Duration `yaml:"min_backoff,omitempty"`
	MaxBackoff model.Duration `yaml:"max_backoff,omitempty"`
	// RetryOnRateLimit retries requests answered 429 (true).
	RetryOnRateLimit *bool `yaml:"retry_on_http_429,omitempty"`
}

// Defaults, as Prometheus's where it has them.
const (
	DefaultRemoteTimeout     = 30 * time.Second
	DefaultCapacity          = 10000
	DefaultMaxSamplesPerSend = 2000
	DefaultBatchSendDeadline = 5 * time.Second
	DefaultMinBackoff        = 30 * time.Millisecond
	DefaultMaxBackoff        = 5 * time.Second
)

// withDefaults returns c with unset fields at their defaults.
func (c Config) withDefaults() Config {
	if c.RemoteTimeout <= 0 {
		c.RemoteTimeout = model.Duration(DefaultRemoteTimeout)
	}
	q := &c.QueueConfig
	if q.Capacity <= 0 {
		q.Capacity = DefaultCapacity
	}
	if q.MaxSamplesPerSend <= 0 {
		q.MaxSamplesPerSend = DefaultMaxSamplesPerSend
	}
	if q.BatchSendDeadline <= 0 {
		q.BatchSendDeadline = model.Duration(DefaultBatchSendDeadline)
	}
	if q.MinBackoff <= 0 {
		q.MinBackoff = model.Duration(DefaultMinBackoff)
	}
	if q.MaxBackoff <= 0 {
		q.MaxBackoff = model.Duration(DefaultMaxBackoff)
	}
	if q.RetryOnRateLimit == nil {
		t := true
		q.RetryOnRateLimit = &t
	}
	return c
}

// reservedHeaders are set by the protocol or the HTTP client settings and
// cannot be given in headers, as in Prometheus.
var reservedHeaders = []string{
	"Authorization", "Host", "Content-Encoding", "Content-Type", "Content-Length",
	"User-Agent", "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Www-Authenticate", "X-Prometheus-Remote-Write-Version",
}

// Validate checks what decoding cannot; the error names the key.
func (c *Config) Validate() error {
	var errs []string
	if c.URL == nil || c.URL.URL == nil {
		errs = append(errs, "url: is required")
	} else if u := c.URL.URL; (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Sprintf("url: must be an http(s) URL with a host, got %q", c.URL.Redacted()))
	}
	for h := range c.Headers {
		for _, r := range reservedHeaders {
			if strings.EqualFold(h, r) {
				errs = append(errs, fmt.Sprintf("headers: %s is a reserved header; set credentials with authorization, basic_auth or oauth2", http.CanonicalHeaderKey(h)))
			}
		}
	}
	q := c.QueueConfig
	if q.Capacity < 0 || q.MaxSamplesPerSend < 0 || q.BatchSendDeadline < 0 || q.MinBackoff < 0 || q.MaxBackoff < 0 {
		errs = append(errs, "queue_config: values must not be negative")
	}
	if q.MinBackoff > 0 && q.MaxBackoff > 0 && q.MinBackoff > q.MaxBackoff {
		errs = append(errs, "queue_config: min_backoff must not be greater than max_backoff")
	}
	if c.RemoteTimeout < 0 {
		errs = append(errs, "remote_timeout: must not be negative")
	}
	if err := c.HTTPClientConfig.Validate(); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// RemoteName is the endpoint's name in metrics and logs: Name, or a short
// hash of the URL as Prometheus uses.
func (c *Config) RemoteName() string {
	if c.Name != "" {
		return c.Name
	}
	if c.URL == nil {
		return ""
	}
	sum := sha256.Sum256([]byte(c.URL.String()))
	return hex.EncodeToString(sum[:])[:6]
}

// RelabelConfig is one of Prometheus's relabel configurations, decoded
// strictly with Prometheus's defaults (action replace, separator ";",
// regex "(.*)", replacement "$1").
type RelabelConfig struct {
	cfg relabel.Config
}

// UnmarshalYAML decodes the mapping over Prometheus's defaults and checks
// it as Prometheus does (label names with its classic rules).
func (r *RelabelConfig) UnmarshalYAML(n *yaml.Node) error {
	r.cfg = relabel.DefaultRelabelConfig
	if errs := strictyaml.Decode(n, &r.cfg); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Msg
			if e.Path != "" {
				msgs[i] = e.Path + ": " + e.Msg
			}
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	if r.cfg.Regex.Regexp == nil {
		r.cfg.Regex = relabel.MustNewRegexp("")
	}
	return r.cfg.Validate(model.LegacyValidation)
}

// MarshalYAML writes the configuration back, for the status API.
func (r RelabelConfig) MarshalYAML() (any, error) { return r.cfg, nil }

// Relabel is the relabel.Config, for callers that apply it.
func (r *RelabelConfig) Relabel() *relabel.Config { return &r.cfg }
