package pagerduty

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

// Limits of the Events API v2.
const (
	maxSummaryRunes = 1024
	maxEventBytes   = 512 * 1000
)

// Event actions.
const (
	actionTrigger     = "trigger"
	actionAcknowledge = "acknowledge"
	actionResolve     = "resolve"
)

// digestGroupKeyPrefix, followed by the receiver's name, stands for the
// group key of storm-control digests.
const digestGroupKeyPrefix = "storm:"

// event is an Events API v2 alert event.
type event struct {
	RoutingKey  string   `json:"routing_key"`
	EventAction string   `json:"event_action"`
	DedupKey    string   `json:"dedup_key"`
	Client      string   `json:"client,omitempty"`
	ClientURL   string   `json:"client_url,omitempty"`
	Payload     *payload `json:"payload,omitempty"`
	Images      []Image  `json:"images,omitempty"`
	Links       []Link   `json:"links,omitempty"`
}

// payload is PagerDuty's Common Event Format part of a trigger event.
type payload struct {
	Summary       string            `json:"summary"`
	Source        string            `json:"source"`
	Severity      string            `json:"severity"`
	Timestamp     string            `json:"timestamp,omitempty"`
	Component     string            `json:"component,omitempty"`
	Group         string            `json:"group,omitempty"`
	Class         string            `json:"class,omitempty"`
	CustomDetails map[string]string `json:"custom_details,omitempty"`
}

// DedupKey is the dedup_key of a group's events: the lower-case hex
// SHA-256 of its group key, as Alertmanager computes it, so that it fits
// PagerDuty's 255 characters whatever the group labels, stays the same
// across messages and restarts, and differs between groups. Storm-control
// digests use the group key "storm:<receiver>", so repeated digests of a
// storm land in one PagerDuty alert.
func DedupKey(groupKey string) string {
	sum := sha256.Sum256([]byte(groupKey))
	return hex.EncodeToString(sum[:])
}

// messageGroupKey is the group key that m's events are deduplicated by.
func messageGroupKey(m *notifiers.Message) string {
	if m.Digest != nil {
		return digestGroupKeyPrefix + m.Receiver
	}
	return m.GroupKey
}

// renderer renders templates for one message, collecting errors.
type renderer struct {
	tmpl *template.Template
	data *template.Data
	errs []error
}

func (r *renderer) text(field, text string) string {
	s, err := r.tmpl.ExecuteText(text, r.data)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %w", field, err))
	}
	return strings.TrimSpace(s)
}

// trigger fills in the trigger fields of ev from m.
func (n *Notifier) trigger(ev *event, m *notifiers.Message, at time.Time) error {
	r := &renderer{tmpl: n.tmpl, data: template.NewData(m)}
	ev.Client = r.text("client", n.cfg.Client)
	ev.ClientURL = r.text("client_url", n.cfg.ClientURL)
	p := &payload{
		Summary:   truncate(r.text("description", n.cfg.Description), maxSummaryRunes),
		Source:    ev.Client,
		Severity:  n.severity(r, m),
		Timestamp: at.UTC().Format(time.RFC3339Nano),
		Class:     r.text("class", n.cfg.Class),
		Component: r.text("component", n.cfg.Component),
		Group:     r.text("group", n.cfg.Group),
	}
	if n.cfg.Source != "" {
		p.Source = r.text("source", n.cfg.Source)
	}
	// PagerDuty rejects events without summary or source, which would
	// lose the page: fall back to something that identifies the group.
	if p.Summary == "" {
		p.Summary = truncate(messageGroupKey(m), maxSummaryRunes)
	}
	if p.Source == "" {
		p.Source = DefaultClient
	}
	details := n.details(m)
	p.CustomDetails = make(map[string]string, len(details))
	for k, v := range details {
		p.CustomDetails[k] = r.text("details."+k, v)
	}
	for i, l := range n.cfg.Links {
		l = Link{Href: r.text(fmt.Sprintf("links[%d].href", i), l.Href), Text: r.text(fmt.Sprintf("links[%d].text", i), l.Text)}
		if l.Href != "" {
			ev.Links = append(ev.Links, l)
		}
	}
	for i, im := range n.cfg.Images {
		f := func(name, v string) string { return r.text(fmt.Sprintf("images[%d].%s", i, name), v) }
		im = Image{Src: f("src", im.Src), Alt: f("alt", im.Alt), Href: f("href", im.Href)}
		if im.Src != "" {
			ev.Images = append(ev.Images, im)
		}
	}
	ev.Payload = p
	if err := errors.Join(r.errs...); err != nil {
		return fmt.Errorf("pagerduty: templates: %w", err)
	}
	return nil
}

// severity renders the configured severity, or maps the group's highest
// severity label, to one of PagerDuty's.
func (n *Notifier) severity(r *renderer, m *notifiers.Message) string {
	if n.cfg.Severity == "" {
		return MapSeverity(m.HighestSeverity())
	}
	s := r.text("severity", n.cfg.Severity)
	pd, ok := mapSeverity(s)
	if !ok {
		n.logger.Warn("severity is not one of PagerDuty's, sending error", "severity", s)
	}
	return pd
}

// details returns the custom_details templates for m: the configured
// ones over the defaults. A digest's defaults describe the storm, since
// it has no alerts of its own.
func (n *Notifier) details(m *notifiers.Message) map[string]string {
	out := DefaultDetails()
	if m.Digest != nil {
		out = map[string]string{
			"digest":     `{{ template "__alerter.digest" . }}`,
			"num_alerts": `{{ .Digest.Alerts }}`,
			"num_groups": `{{ .Digest.Groups }}`,
		}
	}
	for k, v := range n.cfg.Details {
		out[k] = v
	}
	return out
}

// encode marshals ev. An event over PagerDuty's size limit loses its
// custom details (the usual culprit: long alert lists), with a note
// saying so, rather than being rejected.
func (n *Notifier) encode(ev *event) ([]byte, error) {
	b, err := json.Marshal(ev)
	if err != nil || len(b) <= maxEventBytes || ev.Payload == nil {
		return b, err
	}
	n.logger.Warn("event exceeds PagerDuty's size limit, dropping its custom details", "bytes", len(b), "dedup_key", ev.DedupKey)
	ev.Payload.CustomDetails = map[string]string{
		"error": fmt.Sprintf("custom details dropped: the event was %d bytes, over PagerDuty's limit of %d", len(b), maxEventBytes),
	}
	return json.Marshal(ev)
}

// truncate cuts s to at most limit characters, marking the cut with "…".
func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	runes := []rune(s)
	return string(runes[:limit-1]) + "…"
}
