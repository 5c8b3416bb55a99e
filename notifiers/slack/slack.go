// Package slack posts notifications to Slack, through an incoming webhook
// (api_url) or, with a bot token (app_token), through the Web API, where
// each alert group gets one message that is edited as the group changes,
// with the changes threaded under it.
//
// Messages use Block Kit: the title as a header, then one attachment,
// for its colour bar, whose blocks show each firing alert (summary,
// labels, value, runbook and source links) and the resolved ones. Block
// IDs are stable and start with "alerter_".
//
// In bot mode, messages can carry Acknowledge and Silence 1h buttons
// (ActionButtons, passed as NotifierOptions.Actions); InteractionHandler
// serves their clicks, which Slack posts to the app's interactivity URL.
package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/slack-go/slack"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

// DefaultUserAgent is sent when IntegrationOptions.UserAgent is empty.
const DefaultUserAgent = "alerter/unknown"

// NotifierOptions are hooks beyond the configuration, for other parts of
// alerter to extend messages.
type NotifierOptions struct {
	// Actions returns interactive elements (buttons with action_ids)
	// for a message; they are appended to its content in an actions
	// block with block_id "alerter_actions", after the alerts and before
	// the footer. Nil adds nothing. It is the hook for the Acknowledge
	// and Silence 1h buttons, whose action_ids should start with
	// "alerter_" too (see ActionButtons). At most 25 elements are used,
	// Block Kit's limit. It is used in bot mode only and ignored for
	// incoming webhooks: a click goes to the interactivity URL of the
	// app that posted the message, and only in bot mode is that the app
	// whose signing secret alerter's interaction handler holds (an
	// incoming webhook may belong to another app, or to none).
	Actions func(m *notifiers.Message) []slack.BlockElement
}

// Notifier sends messages to one Slack destination. It is safe for
// concurrent use; what it must remember of a group (the message to edit)
// lives in Message.State.
type Notifier struct {
	cfg           Config
	tmpl          *template.Template
	client        *http.Client
	appURL        string
	webhook       bool
	sendResolved  bool
	updateInPlace bool
	timeout       time.Duration
	actions       func(*notifiers.Message) []slack.BlockElement
	logger        *slog.Logger
}

var (
	_ notifiers.Integration    = (*Notifier)(nil)
	_ notifiers.Named          = (*Notifier)(nil)
	_ notifiers.ResolvedSender = (*Notifier)(nil)
)

// New validates the configuration, checks its templates against tmpl,
// reads the secret files once to fail early, and builds the HTTP client
// from http_config.
func New(cfg *Config, tmpl *template.Template, opts notifiers.IntegrationOptions) (*Notifier, error) {
	return NewWithOptions(cfg, tmpl, opts, NotifierOptions{})
}

// NewWithOptions is New with hooks.
func NewWithOptions(cfg *Config, tmpl *template.Template, opts notifiers.IntegrationOptions, no NotifierOptions) (*Notifier, error) {
	if cfg == nil {
		return nil, errors.New("slack: no config")
	}
	if tmpl == nil {
		return nil, errors.New("slack: no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	var errs []error
	fields := cfg.TemplateFields()
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		if err := tmpl.Check(fields[key]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	httpConfig := config.DefaultHTTPClientConfig
	if cfg.HTTPConfig != nil {
		httpConfig = *cfg.HTTPConfig
	}
	client, err := config.NewClientFromConfig(httpConfig, "slack",
		config.WithUserAgent(cmp.Or(opts.UserAgent, DefaultUserAgent)))
	if err != nil {
		return nil, fmt.Errorf("slack: http client: %w", err)
	}
	client.Transport = &captureTransport{next: client.Transport}
	n := &Notifier{
		cfg:           *cfg,
		tmpl:          tmpl,
		client:        client,
		webhook:       cfg.APIURL != nil || cfg.APIURLFile != "",
		sendResolved:  cfg.SendResolved == nil || *cfg.SendResolved,
		updateInPlace: cfg.UpdateInPlace == nil || *cfg.UpdateInPlace,
		timeout:       cmp.Or(time.Duration(cfg.Timeout), DefaultTimeout),
		actions:       no.Actions,
		logger:        cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)),
	}
	n.logger = n.logger.With("receiver", opts.Receiver, "integration", "slack")
	if n.webhook {
		u, err := n.webhookURL()
		if err != nil {
			return nil, err
		}
		n.updateInPlace = false
		n.actions = nil // bot mode only: see NotifierOptions.Actions
		n.logger = n.logger.With("mode", "webhook", "url", redactURL(u))
		return n, nil
	}
	if _, err := n.token(); err != nil {
		return nil, err
	}
	n.appURL = appURL(cfg.AppURL)
	n.logger = n.logger.With("mode", "bot", "app_url", n.appURL)
	return n, nil
}

// Name is the integration's name in metrics and logs.
func (n *Notifier) Name() string { return "slack" }

// SendResolved reports the send_resolved setting.
func (n *Notifier) SendResolved() bool { return n.sendResolved }

// Notify sends m. Template errors, Slack's error codes for a wrong request
// (invalid_auth, channel_not_found, …) and 4xx are not worth retrying;
// network errors, timeouts, 5xx, Slack's transient codes and rate limits
// are, the latter with a notifiers.RetryAfterError. Errors never contain
// the token or the webhook URL.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m == nil || (len(m.Alerts) == 0 && m.Digest == nil) {
		return false, nil
	}
	msg, err := n.render(m)
	if err != nil {
		return false, fmt.Errorf("slack: rendering: %w", err)
	}
	if n.webhook {
		return n.notifyWebhook(ctx, m, msg)
	}
	return n.notifyBot(ctx, m, msg)
}

// webhookURL returns the incoming-webhook URL, read from api_url_file if
// that is how it is configured. Its errors do not quote the URL.
func (n *Notifier) webhookURL() (*url.URL, error) {
	if n.cfg.APIURL != nil {
		return n.cfg.APIURL.URL, nil
	}
	b, err := os.ReadFile(n.cfg.APIURLFile)
	if err != nil {
		return nil, fmt.Errorf("slack: api_url_file: %w", err)
	}
	u, err := ParseSecretURL(string(b))
	if err != nil {
		return nil, fmt.Errorf("slack: api_url_file %s: %w", n.cfg.APIURLFile, err)
	}
	if err := checkURL(u.URL); err != nil {
		return nil, fmt.Errorf("slack: api_url_file %s: URL %w", n.cfg.APIURLFile, err)
	}
	return u.URL, nil
}

// token returns the bot token, read from app_token_file if that is how it
// is configured.
func (n *Notifier) token() (string, error) {
	if n.cfg.AppToken != "" {
		return string(n.cfg.AppToken), nil
	}
	b, err := os.ReadFile(n.cfg.AppTokenFile)
	if err != nil {
		return "", fmt.Errorf("slack: app_token_file: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("slack: app_token_file %s is empty", n.cfg.AppTokenFile)
	}
	return t, nil
}

// appURL is the Web API's base URL with the trailing slash slack-go
// expects. Alertmanager's app_url names chat.postMessage itself; that
// part is dropped.
func appURL(u *config.URL) string {
	if u == nil || u.URL == nil {
		return DefaultAppURL
	}
	s := strings.TrimSuffix(u.String(), "/chat.postMessage")
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s
}
