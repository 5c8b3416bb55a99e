package webhook

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// payloadVersion is the version of Alertmanager's webhook format.
const payloadVersion = "4"

// Payload is the body of a webhook POST. Fields, names and order are
// Alertmanager's (notify/webhook.Message over template.Data).
type Payload struct {
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"`
	Alerts            []Alert           `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
	// Escalation is alerter's addition, set when an escalation policy
	// sends this notification: {"policy","level","levels","repeat"}.
	Escalation *notifiers.Escalation `json:"escalation,omitempty"`
}

// Alert is one alert of a Payload.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
	// Acknowledgement is alerter's addition: who acknowledged this firing
	// alert, when, and until when.
	Acknowledgement *Acknowledgement `json:"acknowledgement,omitempty"`
	// Flapping and FlappingSince are alerter's additions: the alert fires
	// and resolves too often, since when; until it is stable, it stays
	// "firing" here and receivers hear nothing more about it.
	Flapping      bool       `json:"flapping,omitempty"`
	FlappingSince *time.Time `json:"flappingSince,omitempty"`
}

// Acknowledgement is an alert's acknowledgement in a Payload.
type Acknowledgement struct {
	By        string     `json:"by"`
	Comment   string     `json:"comment,omitempty"`
	At        time.Time  `json:"at"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// NewPayload builds the payload for m: the group's whole state, firing
// alerts first, keeping at most maxAlerts alerts (0: all) as Alertmanager
// does. Status and the common labels and annotations describe the whole
// message, so truncation cannot make a firing group look resolved. A
// digest message becomes a digest payload (see newDigestPayload).
func NewPayload(m *notifiers.Message, maxAlerts int) *Payload {
	if m.Digest != nil {
		return newDigestPayload(m)
	}
	alerts := m.Alerts
	var truncated uint64
	if maxAlerts > 0 && len(alerts) > maxAlerts {
		truncated = uint64(len(alerts) - maxAlerts)
		alerts = alerts[:maxAlerts]
	}
	p := &Payload{
		Receiver:          m.Receiver,
		Status:            m.Status(),
		Alerts:            make([]Alert, 0, len(alerts)),
		GroupLabels:       kv(m.GroupLabels),
		CommonLabels:      kv(m.CommonLabels()),
		CommonAnnotations: kv(m.CommonAnnotations()),
		ExternalURL:       m.ExternalURL,
		Version:           payloadVersion,
		GroupKey:          m.GroupKey,
		TruncatedAlerts:   truncated,
		Escalation:        m.Escalation,
	}
	for _, a := range alerts {
		wa := newAlert(a)
		if k, ok := m.Ack(a); ok && a.State == alert.StateFiring {
			wa.Acknowledgement = &Acknowledgement{By: k.By, Comment: k.Comment, At: k.At}
			if !k.ExpiresAt.IsZero() {
				t := k.ExpiresAt
				wa.Acknowledgement.ExpiresAt = &t
			}
		}
		p.Alerts = append(p.Alerts, wa)
	}
	return p
}

// newAlert renders one alert.
//
// startsAt is when the alert started firing (FiredAt), which is what
// Prometheus sends Alertmanager as StartsAt; ActiveAt, when it became
// pending, is earlier by the rule's "for" and is the fallback. endsAt is
// ResolvedAt for a resolved alert and the zero time
// ("0001-01-01T00:00:00Z") for a firing one, as receivers of
// Alertmanager's webhooks see it.
func newAlert(a *alert.Alert) Alert {
	out := Alert{
		Status:       "firing",
		Labels:       kv(a.Labels),
		Annotations:  kv(a.Annotations),
		StartsAt:     firstNonZero(a.FiredAt, a.ActiveAt).UTC(),
		GeneratorURL: a.GeneratorURL,
		Fingerprint:  a.Fingerprint().String(),
	}
	if a.State != alert.StateFiring {
		out.Status = "resolved"
		out.EndsAt = a.ResolvedAt.UTC()
	}
	if a.Flapping() {
		since := a.FlappingSince().UTC()
		out.Flapping, out.FlappingSince = true, &since
	}
	return out
}

// kv converts a label set to a JSON object; never nil, so it prints {}.
func kv(ls model.LabelSet) map[string]string {
	out := make(map[string]string, len(ls))
	for k, v := range ls {
		out[string(k)] = string(v)
	}
	return out
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
