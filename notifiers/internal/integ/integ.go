// Package integ is what every HTTP receiver integration is built from, so
// that each receiver's package holds only what is its own (its payload,
// its API's paths and answers): the checked templates, the HTTP client,
// the integration options, send_resolved and a logger that names the
// receiver and the integration.
package integ

import (
	"cmp"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/httpsend"
	"github.com/alerter/alerter/notifiers/internal/render"
	"github.com/alerter/alerter/notifiers/template"
)

// Settings are the parts of a receiver's configuration every integration
// has.
type Settings struct {
	// Name names the integration in metrics, logs and errors ("opsgenie").
	Name string
	// Fields are the configuration's templated fields, by key, checked
	// against the templates at build time.
	Fields map[string]string
	// HTTPConfig, Timeout and SendResolved are the configuration's
	// http_config, timeout and send_resolved (nil: true).
	HTTPConfig   *config.HTTPClientConfig
	Timeout      time.Duration
	SendResolved *bool
	// UserAgent is sent unless the options name another.
	UserAgent string
}

// Base is embedded by each integration's Notifier. It is safe for
// concurrent use.
type Base struct {
	Tmpl   *template.Template
	Client *httpsend.Client
	Opts   notifiers.IntegrationOptions
	// Logger names the receiver and the integration.
	Logger *slog.Logger

	name         string
	sendResolved bool
}

// New checks s.Fields against tmpl and builds the HTTP client. Errors
// name the integration.
func New(s Settings, tmpl *template.Template, opts notifiers.IntegrationOptions) (Base, error) {
	if err := render.Check(tmpl, s.Fields); err != nil {
		return Base{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	client, err := httpsend.NewClient(s.Name, s.HTTPConfig, cmp.Or(opts.UserAgent, s.UserAgent), s.Timeout)
	if err != nil {
		return Base{}, err
	}
	return Base{
		Tmpl:         tmpl,
		Client:       client,
		Opts:         opts,
		Logger:       cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)).With("receiver", opts.Receiver, "integration", s.Name),
		name:         s.Name,
		sendResolved: s.SendResolved == nil || *s.SendResolved,
	}, nil
}

// Name is the integration's name in metrics and logs.
func (b *Base) Name() string { return b.name }

// SendResolved reports the send_resolved setting.
func (b *Base) SendResolved() bool { return b.sendResolved }
