package msteams

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/httpsend"
	"github.com/alerter/alerter/notifiers/internal/integ"
	"github.com/alerter/alerter/notifiers/internal/render"
	"github.com/alerter/alerter/notifiers/internal/secret"
	"github.com/alerter/alerter/notifiers/template"
)

// Notifier posts messages to one Teams webhook, as a MessageCard or as an
// Adaptive Card. It is safe for concurrent use.
type Notifier struct {
	integ.Base
	name    string
	v2      bool
	url     *notifiers.SecretURL
	urlFile string
	title   string
	summary string
	text    string
}

var (
	_ notifiers.Integration    = (*Notifier)(nil)
	_ notifiers.Named          = (*Notifier)(nil)
	_ notifiers.ResolvedSender = (*Notifier)(nil)
)

// New builds the notifier of an msteams_config (a connector webhook).
func New(cfg *Config, tmpl *template.Template, opts notifiers.IntegrationOptions) (*Notifier, error) {
	if cfg == nil || tmpl == nil {
		return nil, errors.New("msteams: no config or no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("msteams: %w", err)
	}
	n := &Notifier{
		name: "msteams", url: cfg.WebhookURL, urlFile: cfg.WebhookURLFile,
		title:   cmp.Or(cfg.Title, DefaultTitle),
		summary: cmp.Or(cfg.Summary, DefaultSummary),
		text:    cmp.Or(cfg.Text, DefaultText),
	}
	return n.init(tmpl, opts, cfg.SendResolved, cfg.HTTPConfig, cfg.Timeout)
}

// NewV2 builds the notifier of an msteamsv2_config (a Workflows webhook).
func NewV2(cfg *V2Config, tmpl *template.Template, opts notifiers.IntegrationOptions) (*Notifier, error) {
	if cfg == nil || tmpl == nil {
		return nil, errors.New("msteamsv2: no config or no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("msteamsv2: %w", err)
	}
	n := &Notifier{
		name: "msteamsv2", v2: true, url: cfg.WebhookURL, urlFile: cfg.WebhookURLFile,
		title: cmp.Or(cfg.Title, DefaultV2Title),
		text:  cmp.Or(cfg.Text, DefaultV2Text),
	}
	return n.init(tmpl, opts, cfg.SendResolved, cfg.HTTPConfig, cfg.Timeout)
}

func (n *Notifier) init(tmpl *template.Template, opts notifiers.IntegrationOptions, sendResolved *bool, hc *config.HTTPClientConfig, timeout model.Duration) (*Notifier, error) {
	b, err := integ.New(integ.Settings{Name: n.name, Fields: map[string]string{"title": n.title, "summary": n.summary, "text": n.text},
		HTTPConfig: hc, Timeout: time.Duration(timeout), SendResolved: sendResolved, UserAgent: defaultUserAgent}, tmpl, opts)
	if err != nil {
		return nil, err
	}
	n.Base = b
	return n, nil
}

// Notify posts m. Throttling (429, also when a connector reports it in a
// 200's body), 5xx, network errors and an unreadable webhook_url_file are
// worth retrying; other 4xx (a removed webhook, an invalid card) and
// template errors are not. Neither errors nor logs contain the webhook's
// path and query, which hold its credentials.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = m.ForIntegration(n.SendResolved(), n.Opts); m == nil {
		return false, nil
	}
	u, err := secret.ReadURL("webhook_url", n.url.Get(), n.urlFile)
	if err != nil {
		return true, fmt.Errorf("%s: %w", n.name, err)
	}
	body, err := n.body(m)
	if err != nil {
		return false, err
	}
	resp, err := n.Client.Do(ctx, httpsend.Request{URL: u.String(), Body: body, ContentType: "application/json", Secrets: []string{u.Path, u.RawQuery}})
	if err != nil {
		return httpsend.Retryable(err), err
	}
	// A connector answers 200 "1", or 200 with the reason it did not
	// deliver the message (Teams' own HTTP error, such as its rate limit).
	if answer := strings.TrimSpace(string(resp.Body)); strings.Contains(answer, "delivery failed") {
		retry := strings.Contains(answer, "HTTP error 429") || strings.Contains(answer, "HTTP error 5")
		snippet, _ := render.Truncate(answer, 300)
		return retry, fmt.Errorf("%s: the webhook did not deliver the message: %s", n.name, snippet)
	}
	n.Logger.Debug("posted", "group_key", m.GroupKey, "alerts", len(m.Alerts), "status", resp.StatusCode)
	return false, nil
}

// body renders and encodes the card, cutting the text until the whole
// message fits Teams' size limit.
func (n *Notifier) body(m *notifiers.Message) ([]byte, error) {
	r := render.New(n.Tmpl, m)
	title, summary, text := r.Text("title", n.title), r.Text("summary", n.summary), r.Text("text", n.text)
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("%s: templates: %w", n.name, err)
	}
	if strings.TrimSpace(summary+text) == "" {
		summary = title // a connector rejects a card without summary and text
	}
	encode := func(text string) ([]byte, error) {
		body, err := httpsend.JSON(n.card(m, title, summary, text))
		if err != nil {
			return nil, fmt.Errorf("%s: encoding: %w", n.name, err)
		}
		return body, nil
	}
	body, err := encode(text)
	if err != nil || len(body) <= maxMessageBytes {
		return body, err
	}
	n.Logger.Warn("text cut to fit Teams' message size limit", "max_bytes", maxMessageBytes, "group_key", m.GroupKey)
	// JSON escaping makes the text's share of the body hard to predict:
	// find the longest cut that fits.
	lo, hi := 0, len(text)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		cut, _ := render.TruncateBytes(text, mid)
		if b, err := encode(cut); err == nil && len(b) <= maxMessageBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	cut, _ := render.TruncateBytes(text, lo)
	if body, err = encode(cut); err == nil && len(body) > maxMessageBytes {
		return nil, fmt.Errorf("%s: the message is over Teams' limit of %d bytes even without its text", n.name, maxMessageBytes)
	}
	return body, err
}

// card is the JSON message for the webhook's kind.
func (n *Notifier) card(m *notifiers.Message, title, summary, text string) any {
	firing := m.Status() == "firing"
	if !n.v2 {
		color := "2DC72D"
		if firing {
			color = "8C1A1A"
		}
		return messageCard{
			Context: "http://schema.org/extensions", Type: "MessageCard",
			Title: title, Summary: summary, Text: text, ThemeColor: color,
		}
	}
	color := "Good"
	if firing {
		color = "Attention"
	}
	return workflowMessage{
		Type: "message",
		Attachments: []attachment{{
			ContentType: "application/vnd.microsoft.card.adaptive",
			Content: adaptiveCard{
				Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.2",
				Body: []textBlock{
					{Type: "TextBlock", Text: title, Weight: "Bolder", Size: "Medium", Wrap: true, Style: "heading", Color: color},
					{Type: "TextBlock", Text: text, Wrap: true},
				},
				MSTeams: map[string]string{"width": "full"},
			},
		}},
	}
}

// messageCard is a legacy connector card
// (learn.microsoft.com/outlook/actionable-messages/message-card-reference).
type messageCard struct {
	Context    string `json:"@context"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Summary    string `json:"summary"`
	Text       string `json:"text"`
	ThemeColor string `json:"themeColor"`
}

// workflowMessage is what a Workflows webhook takes: a message with an
// Adaptive Card attachment.
type workflowMessage struct {
	Type        string       `json:"type"`
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"`
	Content     adaptiveCard `json:"content"`
}

type adaptiveCard struct {
	Schema  string            `json:"$schema"`
	Type    string            `json:"type"`
	Version string            `json:"version"`
	Body    []textBlock       `json:"body"`
	MSTeams map[string]string `json:"msteams,omitempty"`
}

type textBlock struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	Weight string `json:"weight,omitempty"`
	Size   string `json:"size,omitempty"`
	Wrap   bool   `json:"wrap,omitempty"`
	Style  string `json:"style,omitempty"`
	Color  string `json:"color,omitempty"`
}
