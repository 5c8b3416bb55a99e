package pagerduty

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/httpsend"
	"github.com/alerter/alerter/notifiers/internal/render"
	"github.com/alerter/alerter/notifiers/internal/secret"
	"github.com/alerter/alerter/notifiers/template"
)

// DefaultUserAgent is sent when IntegrationOptions.UserAgent is empty.
const DefaultUserAgent = "alerter/unknown"

// StatusError is a non-2xx answer of the Events API; it says whether the
// event is worth sending again and how long PagerDuty asked to wait.
type StatusError = httpsend.StatusError

// Notifier sends a group's messages to PagerDuty as trigger and resolve
// events of one PagerDuty alert. It is safe for concurrent use.
type Notifier struct {
	// cfg is the configuration with defaults filled in.
	cfg          Config
	tmpl         *template.Template
	client       *httpsend.Client
	url          string
	v1           bool
	opts         notifiers.IntegrationOptions
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
	if err := render.Check(tmpl, c.TemplateFields()); err != nil {
		return nil, fmt.Errorf("pagerduty: %w", err)
	}
	timeout := cmp.Or(time.Duration(c.Timeout), DefaultTimeout)
	client, err := httpsend.NewClient("pagerduty", c.HTTPConfig, cmp.Or(opts.UserAgent, DefaultUserAgent), timeout)
	if err != nil {
		return nil, err
	}
	n := &Notifier{
		cfg:          c,
		tmpl:         tmpl,
		client:       client,
		url:          DefaultURL,
		v1:           c.v1(),
		opts:         opts,
		timeout:      timeout,
		sendResolved: c.SendResolved == nil || *c.SendResolved,
		logger:       cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)),
		now:          time.Now,
	}
	switch {
	case n.v1:
		n.url = v1URL(c.URL)
		// PagerDuty documents 403 as v1's rate limit.
		client.Retryable = func(status int) bool {
			return status == http.StatusForbidden || httpsend.DefaultRetryable(status)
		}
	case c.URL != nil && c.URL.URL != nil:
		n.url = c.URL.String()
	}
	n.logger = n.logger.With("receiver", opts.Receiver, "integration", "pagerduty")
	return n, nil
}

// TemplateFields returns the templated fields by key, for the
// configuration loader to check against the template files.
func (c *Config) TemplateFields() map[string]string {
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
	return fields
}

// Name is the integration's name in metrics and logs.
func (n *Notifier) Name() string { return "pagerduty" }

// SendResolved reports the send_resolved setting.
func (n *Notifier) SendResolved() bool { return n.sendResolved }

// Notify sends a trigger event when m has a firing alert (or is a
// digest), an acknowledge event when every firing alert of the group is
// acknowledged in alerter (so PagerDuty stops escalating too), and a
// resolve event when all its alerts are resolved. 429, 5xx (and v1's
// 403) and network errors are worth retrying (a 429 or 503 with
// Retry-After says when), and so is an unreadable key file; a 400
// (invalid event) and template errors are not. Neither errors nor logs
// contain the routing or service key.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = m.ForIntegration(n.sendResolved, n.opts); m == nil {
		return false, nil
	}
	key, err := n.key()
	if err != nil {
		return true, fmt.Errorf("pagerduty: %w", err)
	}
	action := actionTrigger
	switch {
	case m.Status() == "resolved":
		action = actionResolve
	case m.Digest == nil && m.AllAcknowledged():
		action = actionAcknowledge
	}
	var ev any
	if n.v1 {
		ev, err = n.eventV1(key, action, m)
	} else {
		ev, err = n.eventV2(key, action, m)
	}
	if err != nil {
		return false, err
	}
	body, err := n.encode(ev)
	if err != nil {
		return false, fmt.Errorf("pagerduty: encoding event: %w", err)
	}
	resp, err := n.client.Do(ctx, httpsend.Request{URL: n.url, Body: body, ContentType: "application/json", Secrets: []string{key}})
	if err != nil {
		return httpsend.Retryable(err), err
	}
	var ok struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(resp.Body, &ok)
	n.logger.Debug("event sent", "event_action", action, "dedup_key", DedupKey(m.IncidentKey()), "v1", n.v1,
		"group_key", m.GroupKey, "digest", m.Digest != nil, "status", resp.StatusCode, "answer", ok.Status)
	return false, nil
}

// key returns the routing key (v2) or the service key (v1), read from
// its file when configured so.
func (n *Notifier) key() (string, error) {
	if n.v1 {
		return secret.Read("service_key", n.cfg.ServiceKey, n.cfg.ServiceKeyFile)
	}
	return secret.Read("routing_key", n.cfg.RoutingKey, n.cfg.RoutingKeyFile)
}
