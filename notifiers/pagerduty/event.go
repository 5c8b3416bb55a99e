package pagerduty

import (
	"cmp"
	"fmt"
	"time"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/httpsend"
	"github.com/alerter/alerter/notifiers/internal/render"
)

// Limits of the Events API.
const (
	maxSummaryRunes = 1024
	maxEventBytes   = 512 * 1000
)

// Event actions (v1: event types).
const (
	actionTrigger     = "trigger"
	actionAcknowledge = "acknowledge"
	actionResolve     = "resolve"
)

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

// eventV1 is an Events API v1 event.
type eventV1 struct {
	ServiceKey  string            `json:"service_key"`
	EventType   string            `json:"event_type"`
	IncidentKey string            `json:"incident_key"`
	Description string            `json:"description,omitempty"`
	Client      string            `json:"client,omitempty"`
	ClientURL   string            `json:"client_url,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
}

// DedupKey is the dedup_key of a group's events: notifiers.HashKey of its
// group key (the SHA-256 Alertmanager computes), so that it fits
// PagerDuty's 255 characters whatever the group labels, stays the same
// across messages and restarts, and differs between groups. Storm-control
// digests use the group key "storm:<receiver>" (Message.IncidentKey), so
// repeated digests of a storm land in one PagerDuty alert.
func DedupKey(groupKey string) string { return notifiers.HashKey(groupKey) }

// eventV2 builds the v2 event of an action for m.
func (n *Notifier) eventV2(key, action string, m *notifiers.Message) (*event, error) {
	ev := &event{RoutingKey: key, EventAction: action, DedupKey: DedupKey(m.IncidentKey())}
	if action != actionTrigger {
		return ev, nil
	}
	at := cmp.Or(m.At, n.now())
	r := render.New(n.tmpl, m)
	ev.Client = r.Text("client", n.cfg.Client)
	ev.ClientURL = r.Text("client_url", n.cfg.ClientURL)
	p := &payload{
		Summary:   n.summary(r, m),
		Source:    ev.Client,
		Severity:  n.severity(r, m),
		Timestamp: at.UTC().Format(time.RFC3339Nano),
		Class:     r.Text("class", n.cfg.Class),
		Component: r.Text("component", n.cfg.Component),
		Group:     r.Text("group", n.cfg.Group),
	}
	if n.cfg.Source != "" {
		p.Source = r.Text("source", n.cfg.Source)
	}
	if p.Source == "" {
		p.Source = DefaultClient // PagerDuty rejects an event without one
	}
	p.CustomDetails = n.details(r, m)
	for i, l := range n.cfg.Links {
		l = Link{Href: r.Text(fmt.Sprintf("links[%d].href", i), l.Href), Text: r.Text(fmt.Sprintf("links[%d].text", i), l.Text)}
		if l.Href != "" {
			ev.Links = append(ev.Links, l)
		}
	}
	for i, im := range n.cfg.Images {
		f := func(name, v string) string { return r.Text(fmt.Sprintf("images[%d].%s", i, name), v) }
		im = Image{Src: f("src", im.Src), Alt: f("alt", im.Alt), Href: f("href", im.Href)}
		if im.Src != "" {
			ev.Images = append(ev.Images, im)
		}
	}
	ev.Payload = p
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("pagerduty: templates: %w", err)
	}
	return ev, nil
}

// eventV1 builds the v1 event of an action for m: the description and
// details always, as Alertmanager sends them, the client on triggers.
func (n *Notifier) eventV1(key, action string, m *notifiers.Message) (*eventV1, error) {
	r := render.New(n.tmpl, m)
	ev := &eventV1{
		ServiceKey: key, EventType: action, IncidentKey: DedupKey(m.IncidentKey()),
		Description: n.summary(r, m), Details: n.details(r, m),
	}
	if action == actionTrigger {
		ev.Client = r.Text("client", n.cfg.Client)
		ev.ClientURL = r.Text("client_url", n.cfg.ClientURL)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("pagerduty: templates: %w", err)
	}
	return ev, nil
}

// summary renders the description within PagerDuty's limit, falling back
// to the group key: PagerDuty rejects an event without one, which would
// lose the page.
func (n *Notifier) summary(r *render.Renderer, m *notifiers.Message) string {
	s, _ := render.Truncate(r.Text("description", n.cfg.Description), maxSummaryRunes)
	if s == "" {
		s, _ = render.Truncate(m.IncidentKey(), maxSummaryRunes)
	}
	return s
}

// severity renders the configured severity, or maps the group's highest
// severity label, to one of PagerDuty's.
func (n *Notifier) severity(r *render.Renderer, m *notifiers.Message) string {
	if n.cfg.Severity == "" {
		return MapSeverity(m.HighestSeverity())
	}
	s := r.Text("severity", n.cfg.Severity)
	pd, ok := mapSeverity(s)
	if !ok {
		n.logger.Warn("severity is not one of PagerDuty's, sending error", "severity", s)
	}
	return pd
}

// details renders the custom details of m: the configured templates over
// the defaults. A digest's defaults describe the storm, since it has no
// alerts of its own.
func (n *Notifier) details(r *render.Renderer, m *notifiers.Message) map[string]string {
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
	for k, v := range out {
		out[k] = r.Text("details."+k, v)
	}
	return out
}

// encode marshals ev. An event over PagerDuty's size limit loses its
// custom details (the usual culprit: long alert lists), with a note
// saying so, rather than being rejected.
func (n *Notifier) encode(ev any) ([]byte, error) {
	b, err := httpsend.JSON(ev)
	if err != nil || len(b) <= maxEventBytes {
		return b, err
	}
	note := map[string]string{
		"error": fmt.Sprintf("custom details dropped: the event was %d bytes, over PagerDuty's limit of %d", len(b), maxEventBytes),
	}
	switch e := ev.(type) {
	case *event:
		if e.Payload == nil {
			return b, nil
		}
		e.Payload.CustomDetails = note
	case *eventV1:
		e.Details = note
	}
	n.logger.Warn("event exceeds PagerDuty's size limit, dropping its custom details", "bytes", len(b))
	return httpsend.JSON(ev)
}
