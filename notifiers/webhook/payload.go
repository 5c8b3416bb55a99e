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
}

// NewPayload builds the payload for m, keeping at most maxAlerts alerts
// (0: all) in message order, as Alertmanager does. Status and the common
// labels and annotations describe the whole message, so truncation cannot
// make a firing group look resolved.
func NewPayload(m *notifiers.Message, externalURL string, maxAlerts int) *Payload {
	events := m.Events
	var truncated uint64
	if maxAlerts > 0 && len(events) > maxAlerts {
		truncated = uint64(len(events) - maxAlerts)
		events = events[:maxAlerts]
	}
	p := &Payload{
		Receiver:          m.Receiver,
		Status:            m.Status(),
		Alerts:            make([]Alert, 0, len(events)),
		GroupLabels:       kv(m.GroupLabels),
		CommonLabels:      kv(m.CommonLabels()),
		CommonAnnotations: kv(m.CommonAnnotations()),
		ExternalURL:       externalURL,
		Version:           payloadVersion,
		GroupKey:          m.GroupKey,
		TruncatedAlerts:   truncated,
	}
	for _, e := range events {
		p.Alerts = append(p.Alerts, newAlert(e))
	}
	return p
}

// newAlert renders one event.
//
// startsAt is when the alert started firing (FiredAt), which is what
// Prometheus sends Alertmanager as StartsAt; ActiveAt, when it became
// pending, is earlier by the rule's "for". An alert without FiredAt falls
// back to ActiveAt, then to the event's time. endsAt is ResolvedAt for a
// resolved alert and the zero time ("0001-01-01T00:00:00Z") for a firing
// one, as receivers of Alertmanager's webhooks see it.
func newAlert(e *alert.Event) Alert {
	a := &e.Alert
	out := Alert{
		Status:       e.Status(),
		Labels:       kv(a.Labels),
		Annotations:  kv(a.Annotations),
		StartsAt:     firstNonZero(a.FiredAt, a.ActiveAt, e.At).UTC(),
		GeneratorURL: a.GeneratorURL,
		Fingerprint:  a.Fingerprint().String(),
	}
	if e.Kind == alert.EventResolved {
		out.EndsAt = firstNonZero(a.ResolvedAt, e.At).UTC()
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
