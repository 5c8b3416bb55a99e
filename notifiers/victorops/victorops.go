package victorops

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/httpsend"
	"github.com/alerter/alerter/notifiers/internal/integ"
	"github.com/alerter/alerter/notifiers/internal/render"
	"github.com/alerter/alerter/notifiers/internal/secret"
	"github.com/alerter/alerter/notifiers/template"
)

// DefaultUserAgent is sent when IntegrationOptions.UserAgent is empty.
const DefaultUserAgent = "alerter/unknown"

// maxStateMessage is the REST endpoint's limit of state_message.
const maxStateMessage = 20480

// Message types beyond the configured one.
const (
	typeRecovery        = "RECOVERY"
	typeAcknowledgement = "ACKNOWLEDGEMENT"
)

// Notifier sends a group's messages to Splunk On-Call. It is safe for
// concurrent use.
type Notifier struct {
	integ.Base
	cfg  Config
	base *url.URL
}

var (
	_ notifiers.Integration    = (*Notifier)(nil)
	_ notifiers.Named          = (*Notifier)(nil)
	_ notifiers.ResolvedSender = (*Notifier)(nil)
)

// New validates the configuration, checks its templates against tmpl and
// builds the HTTP client.
func New(cfg *Config, tmpl *template.Template, opts notifiers.IntegrationOptions) (*Notifier, error) {
	if cfg == nil || tmpl == nil {
		return nil, errors.New("victorops: no config or no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("victorops: %w", err)
	}
	c := *cfg
	c.MessageType = cmp.Or(c.MessageType, DefaultMessageType)
	c.StateMessage = cmp.Or(c.StateMessage, DefaultStateMessage)
	c.EntityDisplayName = cmp.Or(c.EntityDisplayName, DefaultEntityDisplayName)
	c.MonitoringTool = cmp.Or(c.MonitoringTool, DefaultMonitoringTool)
	ib, err := integ.New(integ.Settings{Name: "victorops", Fields: c.TemplateFields(), HTTPConfig: c.HTTPConfig,
		Timeout: time.Duration(c.Timeout), SendResolved: c.SendResolved, UserAgent: DefaultUserAgent}, tmpl, opts)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(DefaultAPIURL)
	if c.APIURL != nil && c.APIURL.URL != nil {
		b := *c.APIURL.URL
		base = &b
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	n := &Notifier{
		Base: ib,
		cfg:  c,
		base: base,
	}
	return n, nil
}

// Notify posts the group's state: the configured message type while any
// alert fires, ACKNOWLEDGEMENT when every firing alert is acknowledged in
// alerter, RECOVERY when the group resolved. 429, 5xx, network errors and
// an unreadable api_key_file are worth retrying; other 4xx and template
// errors are not. Neither errors nor logs contain the API key, which is
// part of the URL.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = m.ForIntegration(n.SendResolved(), n.Opts); m == nil {
		return false, nil
	}
	key, err := secret.Read("api_key", n.cfg.APIKey, n.cfg.APIKeyFile)
	if err != nil {
		return true, fmt.Errorf("victorops: %w", err)
	}
	r := render.New(n.Tmpl, m)
	routingKey := r.Text("routing_key", n.cfg.RoutingKey)
	payload := n.payload(r, m)
	if err := r.Err(); err != nil {
		return false, fmt.Errorf("victorops: templates: %w", err)
	}
	if routingKey == "" {
		return false, errors.New("victorops: routing_key rendered empty")
	}
	body, err := httpsend.JSON(payload)
	if err != nil {
		return false, fmt.Errorf("victorops: encoding: %w", err)
	}
	u := *n.base
	u.Path += key + "/" + routingKey
	u.RawPath = n.base.EscapedPath() + url.PathEscape(key) + "/" + url.PathEscape(routingKey)
	resp, err := n.Client.Do(ctx, httpsend.Request{
		URL: u.String(), Redacted: n.base.Scheme + "://" + n.base.Host, Body: body,
		ContentType: "application/json", Secrets: []string{key, url.PathEscape(key)},
	})
	if err != nil {
		return httpsend.Retryable(err), err
	}
	// The endpoint answers 200 with {"result":"failure"} for some errors.
	var answer struct {
		Result  string `json:"result"`
		Message string `json:"message"`
	}
	if json.Unmarshal(resp.Body, &answer) == nil && strings.EqualFold(answer.Result, "failure") {
		return false, fmt.Errorf("victorops: the endpoint refused the message: %s", answer.Message)
	}
	n.Logger.Debug("sent", "message_type", payload["message_type"], "entity_id", payload["entity_id"], "group_key", m.GroupKey)
	return false, nil
}

// payload renders the message's fields.
func (n *Notifier) payload(r *render.Renderer, m *notifiers.Message) map[string]string {
	c := n.cfg
	p := make(map[string]string, len(c.CustomFields)+5)
	for k, v := range c.CustomFields {
		p[k] = r.Text("custom_fields."+k, v)
	}
	msgType := strings.ToUpper(r.Text("message_type", c.MessageType))
	switch {
	case m.Status() == "resolved":
		msgType = typeRecovery
	case m.Digest == nil && m.AllAcknowledged():
		msgType = typeAcknowledgement
	case !slices.Contains(messageTypes, msgType):
		n.Logger.Warn("message_type is not CRITICAL, WARNING or INFO, sending CRITICAL", "message_type", msgType)
		msgType = DefaultMessageType
	}
	state, cut := render.Truncate(r.Text("state_message", c.StateMessage), maxStateMessage)
	if cut {
		n.Logger.Warn("state_message cut to the endpoint's limit", "max_characters", maxStateMessage, "group_key", m.GroupKey)
	}
	p["message_type"] = msgType
	p["entity_id"] = notifiers.HashKey(m.IncidentKey())
	p["entity_display_name"] = r.Text("entity_display_name", c.EntityDisplayName)
	p["state_message"] = state
	p["monitoring_tool"] = r.Text("monitoring_tool", c.MonitoringTool)
	return p
}
