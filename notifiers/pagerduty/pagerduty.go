package pagerduty

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/httpresp"
	"github.com/alerter/alerter/notifiers/template"
)

// DefaultUserAgent is sent when IntegrationOptions.UserAgent is empty.
const DefaultUserAgent = "alerter/unknown"

// Notifier sends a group's messages to PagerDuty as trigger and resolve
// events of one PagerDuty alert. It is safe for concurrent use.
type Notifier struct {
	// cfg is the configuration with defaults filled in.
	cfg          Config
	tmpl         *template.Template
	client       *http.Client
	url          string
	receiver     string
	externalURL  string
	userAgent    string
	timeout      time.Duration
	sendResolved bool
	logger       *slog.Logger
	// now stamps events of messages without a time.
	now func() time.Time
}

var (
	_ notifiers.Integration    = (*Notifier)(nil)
	_ notifiers.Named          = (*Notifier)(nil)
	_ notifiers.ResolvedSender = (*Notifier)(nil)
)

// New validates the configuration, checks its templates against tmpl and
// builds the HTTP client.
func New(cfg *Config, tmpl *template.Template, opts notifiers.IntegrationOptions) (*Notifier, error) {
	if cfg == nil {
		return nil, errors.New("pagerduty: no config")
	}
	if tmpl == nil {
		return nil, errors.New("pagerduty: no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pagerduty: %w", err)
	}
	c := *cfg
	c.Client = cmp.Or(c.Client, DefaultClient)
	c.ClientURL = cmp.Or(c.ClientURL, "{{ .ExternalURL }}")
	c.Description = cmp.Or(c.Description, DefaultDescription)
	if err := checkTemplates(&c, tmpl); err != nil {
		return nil, fmt.Errorf("pagerduty: %w", err)
	}
	httpConfig := config.DefaultHTTPClientConfig
	if c.HTTPConfig != nil {
		httpConfig = *c.HTTPConfig
	}
	client, err := config.NewClientFromConfig(httpConfig, "pagerduty")
	if err != nil {
		return nil, fmt.Errorf("pagerduty: http client: %w", err)
	}
	n := &Notifier{
		cfg:          c,
		tmpl:         tmpl,
		client:       client,
		url:          DefaultURL,
		receiver:     opts.Receiver,
		externalURL:  opts.ExternalURL,
		userAgent:    cmp.Or(opts.UserAgent, DefaultUserAgent),
		timeout:      cmp.Or(time.Duration(c.Timeout), DefaultTimeout),
		sendResolved: c.SendResolved == nil || *c.SendResolved,
		logger:       opts.Logger,
		now:          time.Now,
	}
	if c.URL != nil && c.URL.URL != nil {
		n.url = c.URL.String()
	}
	if n.logger == nil {
		n.logger = slog.New(slog.DiscardHandler)
	}
	n.logger = n.logger.With("receiver", n.receiver, "integration", "pagerduty")
	return n, nil
}

// checkTemplates parses every templated field, reporting all errors.
func checkTemplates(c *Config, tmpl *template.Template) error {
	fields := map[string]string{
		"client": c.Client, "client_url": c.ClientURL, "description": c.Description,
		"severity": c.Severity, "class": c.Class, "component": c.Component,
		"group": c.Group, "source": c.Source,
	}
	for k, v := range c.Details {
		fields["details."+k] = v
	}
	for i, l := range c.Links {
		fields[fmt.Sprintf("links[%d].href", i)] = l.Href
		fields[fmt.Sprintf("links[%d].text", i)] = l.Text
	}
	for i, im := range c.Images {
		fields[fmt.Sprintf("images[%d].src", i)] = im.Src
		fields[fmt.Sprintf("images[%d].alt", i)] = im.Alt
		fields[fmt.Sprintf("images[%d].href", i)] = im.Href
	}
	var errs []error
	for name, text := range fields {
		if err := tmpl.Check(text); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Name is the integration's name in metrics and logs.
func (n *Notifier) Name() string { return "pagerduty" }

// SendResolved reports the send_resolved setting.
func (n *Notifier) SendResolved() bool { return n.sendResolved }

// Notify sends a trigger event when m has a firing alert (or is a
// digest), an acknowledge event when every firing alert of the group is
// acknowledged in alerter (so PagerDuty stops escalating too), and a
// resolve event when all its alerts are resolved. 429, 5xx
// and network errors are worth retrying (a 429 or 503 with Retry-After
// says when), and so is an unreadable routing_key_file; a 400 (invalid
// event) and template errors are not. Neither errors nor logs contain the
// routing key.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = n.prepare(m); m == nil {
		return false, nil
	}
	key, err := n.routingKey()
	if err != nil {
		return true, err
	}
	ev := &event{RoutingKey: key, EventAction: actionTrigger, DedupKey: DedupKey(messageGroupKey(m))}
	switch {
	case m.Status() == "resolved":
		ev.EventAction = actionResolve
	case m.Digest == nil && m.AllAcknowledged():
		ev.EventAction = actionAcknowledge
	default:
		if err := n.trigger(ev, m, cmp.Or(m.At, n.now())); err != nil {
			return false, err
		}
	}
	body, err := n.encode(ev)
	if err != nil {
		return false, fmt.Errorf("pagerduty: encoding event: %w", err)
	}
	return n.post(ctx, body, key, ev, m)
}

// post sends one encoded event.
func (n *Notifier) post(ctx context.Context, body []byte, key string, ev *event, m *notifiers.Message) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("pagerduty: building request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.userAgent)
	resp, err := n.client.Do(req)
	if err != nil {
		return true, fmt.Errorf("pagerduty: %w", err)
	}
	defer httpresp.DrainAndClose(resp.Body)
	if resp.StatusCode/100 == 2 {
		var ok struct {
			Status string `json:"status"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&ok)
		n.logger.Debug("event sent", "event_action", ev.EventAction, "dedup_key", ev.DedupKey,
			"group_key", m.GroupKey, "digest", m.Digest != nil, "status", resp.StatusCode, "answer", ok.Status)
		return false, nil
	}
	serr := &StatusError{
		StatusCode: resp.StatusCode,
		Body:       httpresp.Snippet(resp.Body, key),
		Wait:       httpresp.RetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	return serr.Retryable(), serr
}

// prepare returns the message to send, or nil when there is nothing to
// send: no alerts, or only resolved ones with send_resolved off. It fills
// in the receiver and external URL from the options when m lacks them.
func (n *Notifier) prepare(m *notifiers.Message) *notifiers.Message {
	if m == nil {
		return nil
	}
	c := *m
	if c.Digest == nil {
		if !n.sendResolved {
			c.Alerts = m.Firing()
		}
		if len(c.Alerts) == 0 {
			return nil
		}
	}
	c.Receiver = cmp.Or(c.Receiver, n.receiver)
	c.ExternalURL = cmp.Or(c.ExternalURL, n.externalURL)
	return &c
}

// routingKey returns the configured key, or reads routing_key_file.
func (n *Notifier) routingKey() (string, error) {
	if n.cfg.RoutingKeyFile == "" {
		return string(n.cfg.RoutingKey), nil
	}
	b, err := os.ReadFile(n.cfg.RoutingKeyFile)
	if err != nil {
		return "", fmt.Errorf("pagerduty: reading routing_key_file: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("pagerduty: routing_key_file %s is empty", n.cfg.RoutingKeyFile)
	}
	return key, nil
}
