package pushover

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/httpsend"
	"github.com/alerter/alerter/notifiers/internal/integ"
	"github.com/alerter/alerter/notifiers/internal/render"
	"github.com/alerter/alerter/notifiers/internal/secret"
	"github.com/alerter/alerter/notifiers/template"
)

// DefaultUserAgent is sent when IntegrationOptions.UserAgent is empty.
const DefaultUserAgent = "alerter/unknown"

// Pushover's limits (pushover.net/api#limits).
const (
	maxTitle    = 250
	maxMessage  = 1024
	maxURL      = 512
	maxURLTitle = 100
)

// Notifier sends messages to Pushover. It is safe for concurrent use.
type Notifier struct {
	integ.Base
	cfg      Config
	endpoint string
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
		return nil, errors.New("pushover: no config or no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pushover: %w", err)
	}
	c := *cfg
	c.Title = cmp.Or(c.Title, DefaultTitle)
	c.Message = cmp.Or(c.Message, DefaultMessage)
	c.URL = cmp.Or(c.URL, DefaultURL)
	c.Priority = cmp.Or(c.Priority, DefaultPriority)
	if c.Retry == 0 {
		c.Retry = model.Duration(DefaultRetry)
	}
	if c.Expire == 0 {
		c.Expire = model.Duration(DefaultExpire)
	}
	ib, err := integ.New(integ.Settings{Name: "pushover", Fields: c.TemplateFields(), HTTPConfig: c.HTTPConfig,
		Timeout: time.Duration(c.Timeout), SendResolved: c.SendResolved, UserAgent: DefaultUserAgent}, tmpl, opts)
	if err != nil {
		return nil, err
	}
	n := &Notifier{
		Base:     ib,
		cfg:      c,
		endpoint: DefaultAPIURL,
	}
	if c.APIURL != nil && c.APIURL.URL != nil {
		n.endpoint = c.APIURL.String()
	}
	return n, nil
}

// Notify posts m as one push notification. 429, 5xx, network errors and
// unreadable key files are worth retrying; 4xx (an invalid token, user
// or parameter, which Pushover names in its answer) and template errors
// are not. Neither errors nor logs contain the token or the user key.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = m.ForIntegration(n.SendResolved(), n.Opts); m == nil {
		return false, nil
	}
	token, err := secret.Read("token", n.cfg.Token, n.cfg.TokenFile)
	if err != nil {
		return true, fmt.Errorf("pushover: %w", err)
	}
	user, err := secret.Read("user_key", n.cfg.UserKey, n.cfg.UserKeyFile)
	if err != nil {
		return true, fmt.Errorf("pushover: %w", err)
	}
	params, err := n.params(m)
	if err != nil {
		return false, err
	}
	params.Set("token", token)
	params.Set("user", user)
	_, err = n.Client.Do(ctx, httpsend.Request{
		URL: n.endpoint, Body: []byte(params.Encode()), ContentType: "application/x-www-form-urlencoded",
		Secrets: []string{token, user},
	})
	if err != nil {
		return httpsend.Retryable(err), err
	}
	n.Logger.Debug("sent", "priority", params.Get("priority"), "group_key", m.GroupKey, "alerts", len(m.Alerts))
	return false, nil
}

// params renders the notification's parameters, without credentials.
func (n *Notifier) params(m *notifiers.Message) (url.Values, error) {
	c := n.cfg
	r := render.New(n.Tmpl, m)
	p := url.Values{}
	cut := func(field, s string, limit int) string {
		out, cut := render.Truncate(s, limit)
		if cut {
			n.Logger.Warn(field+" cut to Pushover's limit", "max_characters", limit, "group_key", m.GroupKey)
		}
		return out
	}
	p.Set("title", cut("title", r.Text("title", c.Title), maxTitle))
	message := r.Text("message", c.Message)
	if c.HTML {
		message = r.HTML("message", c.Message)
		p.Set("html", "1")
	}
	if c.Monospace {
		p.Set("monospace", "1")
	}
	if message == "" {
		message = "(no details)" // Pushover rejects an empty message
	}
	p.Set("message", cut("message", message, maxMessage))
	if u := cut("url", r.Text("url", c.URL), maxURL); u != "" {
		p.Set("url", u)
	}
	if t := cut("url_title", r.Text("url_title", c.URLTitle), maxURLTitle); t != "" {
		p.Set("url_title", t)
	}
	if d := r.Text("device", c.Device); d != "" {
		p.Set("device", d)
	}
	if s := r.Text("sound", c.Sound); s != "" {
		p.Set("sound", s)
	}
	prio := r.Text("priority", c.Priority)
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("pushover: templates: %w", err)
	}
	if v, ok := parsePriority(prio); ok {
		p.Set("priority", strconv.Itoa(v))
	} else if prio != "" {
		n.Logger.Warn("priority is not an integer from -2 to 2, sending normal priority", "priority", prio)
	}
	p.Set("retry", strconv.FormatInt(int64(time.Duration(c.Retry)/time.Second), 10))
	p.Set("expire", strconv.FormatInt(int64(time.Duration(c.Expire)/time.Second), 10))
	if ttl := int64(time.Duration(c.TTL) / time.Second); ttl > 0 {
		p.Set("ttl", strconv.FormatInt(ttl, 10))
	}
	return p, nil
}
