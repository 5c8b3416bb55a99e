package telegram

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// maxMessage is the length limit of a message's text, after entity
// parsing (core.telegram.org/bots/api#sendmessage).
const maxMessage = 4096

// Notifier sends messages to one Telegram chat. It is safe for concurrent
// use.
type Notifier struct {
	integ.Base
	cfg       Config
	parseMode string
	base      *url.URL
}

var (
	_ notifiers.Integration    = (*Notifier)(nil)
	_ notifiers.Named          = (*Notifier)(nil)
	_ notifiers.ResolvedSender = (*Notifier)(nil)
)

// New validates the configuration, checks its template against tmpl and
// builds the HTTP client.
func New(cfg *Config, tmpl *template.Template, opts notifiers.IntegrationOptions) (*Notifier, error) {
	if cfg == nil || tmpl == nil {
		return nil, errors.New("telegram: no config or no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	c := *cfg
	c.Message = cmp.Or(c.Message, DefaultMessage)
	ib, err := integ.New(integ.Settings{Name: "telegram", Fields: c.TemplateFields(), HTTPConfig: c.HTTPConfig,
		Timeout: time.Duration(c.Timeout), SendResolved: c.SendResolved, UserAgent: DefaultUserAgent}, tmpl, opts)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(DefaultAPIURL)
	if c.APIURL != nil && c.APIURL.URL != nil {
		b := *c.APIURL.URL
		base = &b
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	base.RawPath = ""
	n := &Notifier{
		Base:      ib,
		cfg:       c,
		parseMode: DefaultParseMode,
		base:      base,
	}
	if c.ParseMode != nil {
		n.parseMode = *c.ParseMode
	}
	return n, nil
}

// sendMessage is the request's body.
type sendMessage struct {
	ChatID                int64  `json:"chat_id"`
	MessageThreadID       int    `json:"message_thread_id,omitempty"`
	Text                  string `json:"text"`
	ParseMode             string `json:"parse_mode,omitempty"`
	DisableNotification   bool   `json:"disable_notification,omitempty"`
	DisableWebPagePreview bool   `json:"disable_web_page_preview"`
}

// apiError is the Bot API's error answer.
type apiError struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// Notify posts m to the chat. Flood control (429, which says in its body
// how long to wait), 5xx, network errors and an unreadable
// bot_token_file are worth retrying; other 4xx (a wrong token, an unknown
// chat, text Telegram cannot parse) and template errors are not. Neither
// errors nor logs contain the bot token.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = m.ForIntegration(n.SendResolved(), n.Opts); m == nil {
		return false, nil
	}
	token, err := secret.Read("bot_token", n.cfg.BotToken, n.cfg.BotTokenFile)
	if err != nil {
		return true, fmt.Errorf("telegram: %w", err)
	}
	text, err := n.text(m)
	if err != nil {
		return false, err
	}
	body, err := httpsend.JSON(sendMessage{
		ChatID: n.cfg.ChatID, MessageThreadID: n.cfg.MessageThreadID, Text: text, ParseMode: n.parseMode,
		DisableNotification: n.cfg.DisableNotifications, DisableWebPagePreview: true,
	})
	if err != nil {
		return false, fmt.Errorf("telegram: encoding: %w", err)
	}
	u := *n.base
	u.Path += "/bot" + token + "/sendMessage"
	_, err = n.Client.Do(ctx, httpsend.Request{
		URL: u.String(), Redacted: n.base.Scheme + "://" + n.base.Host, Body: body,
		ContentType: "application/json", Secrets: []string{token},
	})
	var se *httpsend.StatusError
	if errors.As(err, &se) && se.Wait == 0 {
		var ae apiError
		if json.Unmarshal([]byte(se.Body), &ae) == nil && ae.Parameters.RetryAfter > 0 {
			se.Wait = time.Duration(ae.Parameters.RetryAfter) * time.Second
		}
	}
	if err != nil {
		return httpsend.Retryable(err), err
	}
	n.Logger.Debug("sent", "chat_id", n.cfg.ChatID, "group_key", m.GroupKey, "alerts", len(m.Alerts))
	return false, nil
}

// text renders the message for the parse mode, within Telegram's limit.
func (n *Notifier) text(m *notifiers.Message) (string, error) {
	r := render.New(n.Tmpl, m)
	var text string
	var cut bool
	if n.parseMode == "HTML" {
		text, cut = truncateHTML(r.HTML("message", n.cfg.Message), maxMessage)
	} else {
		text, cut = render.Truncate(r.Text("message", n.cfg.Message), maxMessage)
	}
	if err := r.Err(); err != nil {
		return "", fmt.Errorf("telegram: templates: %w", err)
	}
	if cut {
		n.Logger.Warn("message cut to Telegram's limit", "max_characters", maxMessage, "group_key", m.GroupKey)
	}
	if strings.TrimSpace(text) == "" {
		text = "(no details)" // Telegram rejects an empty message
	}
	return text, nil
}
