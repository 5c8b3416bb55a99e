// Package assemble builds the notification side of a configuration: every
// receiver's integrations, the routing tree with its time intervals and the
// inhibitor. `alerter run` and the simulated pipeline of `alerter test` and
// `alerter replay` both build theirs here, so they route, group and name
// integrations the same way.
package assemble

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/discord"
	"github.com/alerter/alerter/notifiers/email"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/notifiers/msteams"
	"github.com/alerter/alerter/notifiers/opsgenie"
	"github.com/alerter/alerter/notifiers/pagerduty"
	"github.com/alerter/alerter/notifiers/pushover"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/notifiers/slack"
	"github.com/alerter/alerter/notifiers/telegram"
	"github.com/alerter/alerter/notifiers/template"
	"github.com/alerter/alerter/notifiers/victorops"
	"github.com/alerter/alerter/notifiers/webhook"
)

// Options configure Build.
type Options struct {
	// Logger is given to every integration, with its receiver's name.
	Logger *slog.Logger
	// UserAgent is sent by integrations that make HTTP requests.
	UserAgent string
	// SlackActions puts the Acknowledge and Silence buttons on Slack
	// bot-mode messages (web.slack_interactions is configured).
	SlackActions bool
}

// Parts are the notification side of one configuration.
type Parts struct {
	// Receivers are every receiver's integrations by receiver name, named
	// "<kind>/<index>" ("slack/0").
	Receivers map[string][]notifiers.ReceiverIntegration
	Route     *route.Route
	// Inhibitor is nil when there are no inhibition rules.
	Inhibitor *inhibit.Inhibitor
}

// Build makes the parts for cfg. Every receiver is built before an error
// is returned, so that all broken integrations are reported at once.
func Build(cfg *config.Config, o Options) (*Parts, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	tmpl, err := template.New(cfg.Templates...)
	if err != nil {
		return nil, err
	}
	p := &Parts{Receivers: map[string][]notifiers.ReceiverIntegration{}}
	var errs []error
	for _, r := range cfg.Receivers {
		ints, err := receiver(r, tmpl, cfg, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.Receivers[r.Name] = ints
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	rc := cfg.Route
	if rc == nil {
		// No routing configured: alerts are visible in the API only.
		rc = &route.Config{Receiver: "<none>"}
	}
	if p.Route, err = route.NewWithIntervals(rc, cfg.Intervals()); err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	if len(cfg.InhibitRules) > 0 {
		if p.Inhibitor, err = inhibit.New(cfg.InhibitRules); err != nil {
			return nil, fmt.Errorf("inhibit_rules: %w", err)
		}
	}
	return p, nil
}

// DispatcherOptions returns the dispatcher options the configuration and
// the parts decide; the caller adds the stores, muter, acknowledgements,
// logger and metrics.
func (p *Parts) DispatcherOptions(cfg *config.Config) notifiers.DispatcherOptions {
	return notifiers.DispatcherOptions{
		Route:       p.Route,
		Receivers:   p.Receivers,
		Inhibitor:   p.Inhibitor,
		Escalations: cfg.Policies(),
		ExternalURL: cfg.Global.ExternalURL,
		Storm:       notifiers.StormOptions{MaxAlerts: cfg.StormControl.MaxAlerts, Window: time.Duration(cfg.StormControl.Window)},
		MaxOutbox:   cfg.Delivery.MaxOutbox,
	}
}

// receiver builds one receiver's integrations, every kind in a fixed
// order.
func receiver(r *config.Receiver, tmpl *template.Template, cfg *config.Config, o Options) ([]notifiers.ReceiverIntegration, error) {
	opts := notifiers.IntegrationOptions{
		Receiver:    r.Name,
		Logger:      o.Logger.With("receiver", r.Name),
		UserAgent:   o.UserAgent,
		ExternalURL: cfg.Global.ExternalURL,
	}
	var ints []notifiers.ReceiverIntegration
	add := func(kind string, i int, n integration, err error) error {
		if err != nil {
			return fmt.Errorf("receiver %q %s_configs[%d]: %w", r.Name, kind, i, err)
		}
		ints = append(ints, notifiers.ReceiverIntegration{Name: fmt.Sprintf("%s/%d", kind, i), Integration: n, SendResolved: n.SendResolved()})
		return nil
	}
	var slackOpts slack.NotifierOptions
	if o.SlackActions {
		slackOpts.Actions = slack.ActionButtons
	}
	newSlack := func(c *slack.Config, tmpl *template.Template, opts notifiers.IntegrationOptions) (*slack.Notifier, error) {
		return slack.NewWithOptions(c, tmpl, opts, slackOpts)
	}
	newWebhook := func(c *webhook.Config, _ *template.Template, opts notifiers.IntegrationOptions) (*webhook.Notifier, error) {
		return webhook.New(c, opts)
	}
	err := errors.Join(
		each(add, "webhook", r.WebhookConfigs, tmpl, opts, newWebhook),
		each(add, "slack", r.SlackConfigs, tmpl, opts, newSlack),
		each(add, "pagerduty", r.PagerdutyConfigs, tmpl, opts, pagerduty.New),
		each(add, "email", r.EmailConfigs, tmpl, opts, email.New),
		each(add, "opsgenie", r.OpsgenieConfigs, tmpl, opts, opsgenie.New),
		each(add, "msteams", r.MSTeamsConfigs, tmpl, opts, msteams.New),
		each(add, "msteamsv2", r.MSTeamsV2Configs, tmpl, opts, msteams.NewV2),
		each(add, "telegram", r.TelegramConfigs, tmpl, opts, telegram.New),
		each(add, "discord", r.DiscordConfigs, tmpl, opts, discord.New),
		each(add, "victorops", r.VictorOpsConfigs, tmpl, opts, victorops.New),
		each(add, "pushover", r.PushoverConfigs, tmpl, opts, pushover.New),
	)
	return ints, err
}

// integration is what every integration constructor returns.
type integration interface {
	notifiers.Integration
	SendResolved() bool
}

// each builds the integrations of one kind of a receiver, in order,
// handing each (or its error) to add; it returns the first error of add.
func each[C any, N integration](
	add func(kind string, i int, n integration, err error) error,
	kind string, cs []*C, tmpl *template.Template, opts notifiers.IntegrationOptions,
	build func(*C, *template.Template, notifiers.IntegrationOptions) (N, error),
) error {
	for i, c := range cs {
		n, err := build(c, tmpl, opts)
		if err := add(kind, i, n, err); err != nil {
			return err
		}
	}
	return nil
}
