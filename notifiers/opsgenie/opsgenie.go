package opsgenie

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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

// Limits of the Alert API (docs.opsgenie.com/docs/alert-api): longer
// fields are cut, extra tags and actions dropped.
const (
	maxMessage     = 130
	maxDescription = 15000
	maxSource      = 100
	maxEntity      = 512
	maxNote        = 25000
	maxTags        = 20
	maxTag         = 50
	maxActions     = 10
	maxAction      = 50
)

// Notifier sends a group's messages to Opsgenie. It is safe for
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
		return nil, errors.New("opsgenie: no config or no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("opsgenie: %w", err)
	}
	c := *cfg
	c.Message = cmp.Or(c.Message, DefaultMessage)
	c.Description = cmp.Or(c.Description, DefaultDescription)
	c.Source = cmp.Or(c.Source, DefaultSource)
	ib, err := integ.New(integ.Settings{Name: "opsgenie", Fields: c.TemplateFields(), HTTPConfig: c.HTTPConfig,
		Timeout: time.Duration(c.Timeout), SendResolved: c.SendResolved, UserAgent: DefaultUserAgent}, tmpl, opts)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(DefaultAPIURL)
	if c.APIURL != nil && c.APIURL.URL != nil {
		base = c.APIURL.URL
	}
	// The API paths are relative to the base, whose path ends in a slash
	// as in Alertmanager.
	b := *base
	if !strings.HasSuffix(b.Path, "/") {
		b.Path += "/"
	}
	n := &Notifier{
		Base: ib,
		cfg:  c,
		base: &b,
	}
	return n, nil
}

// request is one call to the API.
type request struct {
	method, path string
	body         any
}

// Notify creates (or, for Opsgenie, adds to) the group's alert while any
// of its alerts fires, updating its message and description too with
// update_alerts; acknowledges it when every firing alert is acknowledged
// in alerter; closes it when the group resolved. 429, 5xx, network
// errors and an unreadable api_key_file are worth retrying; 4xx (a bad
// key, a 422 invalid request) and template errors are not. Neither errors
// nor logs contain the API key.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = m.ForIntegration(n.SendResolved(), n.Opts); m == nil {
		return false, nil
	}
	key, err := secret.Read("api_key", n.cfg.APIKey, n.cfg.APIKeyFile)
	if err != nil {
		return true, fmt.Errorf("opsgenie: %w", err)
	}
	reqs, err := n.requests(m)
	if err != nil {
		return false, err
	}
	for _, r := range reqs {
		body, err := httpsend.JSON(r.body)
		if err != nil {
			return false, fmt.Errorf("opsgenie: encoding: %w", err)
		}
		u := n.base.JoinPath(r.path)
		if r.path != "v2/alerts" {
			u.RawQuery = url.Values{"identifierType": {"alias"}}.Encode()
		}
		_, err = n.Client.Do(ctx, httpsend.Request{
			Method: r.method, URL: u.String(), Redacted: n.base.Scheme + "://" + n.base.Host,
			Body: body, ContentType: "application/json",
			Header:  http.Header{"Authorization": {"GenieKey " + key}},
			Secrets: []string{key},
		})
		if err != nil {
			return httpsend.Retryable(err), fmt.Errorf("%w (%s %s)", err, r.method, r.path)
		}
		n.Logger.Debug("sent", "method", r.method, "path", r.path, "group_key", m.GroupKey, "alerts", len(m.Alerts))
	}
	return false, nil
}

// requests are the calls for m.
func (n *Notifier) requests(m *notifiers.Message) ([]request, error) {
	alias := notifiers.HashKey(m.IncidentKey())
	r := render.New(n.Tmpl, m)
	source, _ := render.Truncate(r.Text("source", n.cfg.Source), maxSource)
	var reqs []request
	switch {
	case m.Status() == "resolved":
		reqs = append(reqs, request{http.MethodPost, "v2/alerts/" + alias + "/close", closeBody{Source: source, Note: "Resolved in alerter."}})
	case m.Digest == nil && m.AllAcknowledged():
		reqs = append(reqs, request{http.MethodPost, "v2/alerts/" + alias + "/acknowledge", closeBody{Source: source, Note: ackNote(m)}})
	default:
		a := n.alert(r, m, alias, source)
		reqs = append(reqs, request{http.MethodPost, "v2/alerts", a})
		if n.cfg.UpdateAlerts {
			reqs = append(reqs,
				request{http.MethodPut, "v2/alerts/" + alias + "/message", map[string]string{"message": a.Message}},
				request{http.MethodPut, "v2/alerts/" + alias + "/description", map[string]string{"description": cmp.Or(a.Description, a.Message)}})
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("opsgenie: templates: %w", err)
	}
	return reqs, nil
}

// ackNote says who acknowledged the group's alerts in alerter.
func ackNote(m *notifiers.Message) string {
	var by []string
	for _, a := range m.Firing() {
		if k, ok := m.Ack(a); ok && !contains(by, k.By) {
			by = append(by, k.By)
		}
	}
	note, _ := render.Truncate("Acknowledged in alerter by "+strings.Join(by, ", ")+".", maxNote)
	return note
}

// closeBody is the body of close and acknowledge.
type closeBody struct {
	Source string `json:"source,omitempty"`
	Note   string `json:"note,omitempty"`
}

// alertBody is the body of a create request.
type alertBody struct {
	Alias       string            `json:"alias"`
	Message     string            `json:"message"`
	Description string            `json:"description,omitempty"`
	Details     map[string]string `json:"details"`
	Source      string            `json:"source,omitempty"`
	Responders  []responderBody   `json:"responders,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Note        string            `json:"note,omitempty"`
	Priority    string            `json:"priority,omitempty"`
	Entity      string            `json:"entity,omitempty"`
	Actions     []string          `json:"actions,omitempty"`
}

type responderBody struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Username string `json:"username,omitempty"`
	Type     string `json:"type"`
}

// alert renders the create request.
func (n *Notifier) alert(r *render.Renderer, m *notifiers.Message, alias, source string) *alertBody {
	c := n.cfg
	a := &alertBody{Alias: alias, Source: source, Details: map[string]string{}}
	var cut bool
	if a.Message, cut = render.Truncate(r.Text("message", c.Message), maxMessage); cut {
		n.Logger.Warn("message cut to Opsgenie's limit", "max_characters", maxMessage, "group_key", m.GroupKey)
	}
	if a.Message == "" {
		// Opsgenie rejects an empty message, which would lose the page.
		a.Message, _ = render.Truncate(m.IncidentKey(), maxMessage)
	}
	a.Description, _ = render.Truncate(r.Text("description", c.Description), maxDescription)
	a.Entity, _ = render.Truncate(r.Text("entity", c.Entity), maxEntity)
	a.Note, _ = render.Truncate(r.Text("note", c.Note), maxNote)
	a.Priority = r.Text("priority", c.Priority)
	if a.Priority != "" && !validPriority(a.Priority) {
		n.Logger.Warn("priority is not one of P1 to P5, leaving it to Opsgenie's default", "priority", a.Priority)
		a.Priority = ""
	}
	a.Tags = list(r.Text("tags", c.Tags), maxTags, maxTag)
	a.Actions = list(r.Text("actions", c.Actions), maxActions, maxAction)
	for k, v := range r.Data().CommonLabels {
		a.Details[k] = v
	}
	for k, v := range c.Details {
		a.Details[k] = r.Text("details."+k, v)
	}
	for i, rc := range c.Responders {
		p := fmt.Sprintf("responders[%d].", i)
		rb := responderBody{
			ID: r.Text(p+"id", rc.ID), Name: r.Text(p+"name", rc.Name),
			Username: r.Text(p+"username", rc.Username), Type: strings.ToLower(r.Text(p+"type", rc.Type)),
		}
		if rb.ID == "" && rb.Name == "" && rb.Username == "" {
			// Filled from labels the group lacks: Opsgenie would reject
			// the whole alert for it.
			continue
		}
		if rb.Type == "teams" {
			for _, team := range list(rb.Name, -1, -1) {
				a.Responders = append(a.Responders, responderBody{Name: team, Type: "team"})
			}
			continue
		}
		a.Responders = append(a.Responders, rb)
	}
	return a
}

// list splits a comma-separated list, dropping empty items, keeping at
// most max items (-1: all) of at most width characters (-1: any).
func list(s string, max, width int) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if max >= 0 && len(out) == max {
			break
		}
		if width >= 0 {
			item, _ = render.Truncate(item, width)
		}
		out = append(out, item)
	}
	return out
}
