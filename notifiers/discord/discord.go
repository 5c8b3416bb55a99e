package discord

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// Discord's limits (discord.com/developers/docs/resources/message#embed-object-embed-limits).
const (
	maxTitle       = 256
	maxDescription = 4096
	maxContent     = 2000
)

// Embed colours, Alertmanager's.
const (
	colorRed   = 0x992D22
	colorGreen = 0x2ECC71
)

// Notifier posts messages to one Discord webhook. It is safe for
// concurrent use.
type Notifier struct {
	integ.Base
	cfg Config
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
		return nil, errors.New("discord: no config or no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	c := *cfg
	c.Title = cmp.Or(c.Title, DefaultTitle)
	c.Message = cmp.Or(c.Message, DefaultMessage)
	c.Content = cmp.Or(c.Content, DefaultContent)
	ib, err := integ.New(integ.Settings{Name: "discord", Fields: c.TemplateFields(), HTTPConfig: c.HTTPConfig,
		Timeout: time.Duration(c.Timeout), SendResolved: c.SendResolved, UserAgent: DefaultUserAgent}, tmpl, opts)
	if err != nil {
		return nil, err
	}
	n := &Notifier{
		Base: ib,
		cfg:  c,
	}
	return n, nil
}

type message struct {
	Content   string  `json:"content"`
	Embeds    []embed `json:"embeds"`
	Username  string  `json:"username,omitempty"`
	AvatarURL string  `json:"avatar_url,omitempty"`
}

type embed struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Color       int    `json:"color"`
}

// Notify posts m. Rate limits (429, with the wait in Retry-After or the
// body), 5xx, network errors and an unreadable webhook_url_file are worth
// retrying; other 4xx (an unknown webhook, an invalid message) and
// template errors are not. Neither errors nor logs contain the webhook's
// path, which holds its token.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = m.ForIntegration(n.SendResolved(), n.Opts); m == nil {
		return false, nil
	}
	u, err := secret.ReadURL("webhook_url", n.cfg.WebhookURL.Get(), n.cfg.WebhookURLFile)
	if err != nil {
		return true, fmt.Errorf("discord: %w", err)
	}
	msg, err := n.render(m)
	if err != nil {
		return false, err
	}
	body, err := httpsend.JSON(msg)
	if err != nil {
		return false, fmt.Errorf("discord: encoding: %w", err)
	}
	_, err = n.Client.Do(ctx, httpsend.Request{URL: u.String(), Body: body, ContentType: "application/json", Secrets: []string{u.Path}})
	var se *httpsend.StatusError
	if errors.As(err, &se) && se.Wait == 0 {
		var rl struct {
			RetryAfter float64 `json:"retry_after"`
		}
		if json.Unmarshal([]byte(se.Body), &rl) == nil && rl.RetryAfter > 0 {
			se.Wait = time.Duration(rl.RetryAfter * float64(time.Second))
		}
	}
	if err != nil {
		return httpsend.Retryable(err), err
	}
	n.Logger.Debug("posted", "group_key", m.GroupKey, "alerts", len(m.Alerts))
	return false, nil
}

// render executes the templates within Discord's limits.
func (n *Notifier) render(m *notifiers.Message) (*message, error) {
	r := render.New(n.Tmpl, m)
	cut := func(field, text string, limit int) string {
		s, cut := render.Truncate(r.Text(field, text), limit)
		if cut {
			n.Logger.Warn(field+" cut to Discord's limit", "max_characters", limit, "group_key", m.GroupKey)
		}
		return s
	}
	color := colorRed
	if m.Status() == "resolved" {
		color = colorGreen
	}
	msg := &message{
		Content:   cut("content", n.cfg.Content, maxContent),
		Username:  n.cfg.Username,
		AvatarURL: n.cfg.AvatarURL,
		Embeds: []embed{{
			Title:       cut("title", n.cfg.Title, maxTitle),
			Description: cut("message", n.cfg.Message, maxDescription),
			Color:       color,
		}},
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("discord: templates: %w", err)
	}
	return msg, nil
}
