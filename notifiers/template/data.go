// Package template renders notification text from Go templates. The data
// has Alertmanager's field names (.Status, .Alerts, .CommonLabels, ...), so
// templates written for Alertmanager keep working; default.tmpl defines the
// default texts of every integration, and users can redefine any of them
// in their own template files.
package template

import (
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// KV is a label or annotation set with helpers templates use.
type KV map[string]string

// Pair is one name and value.
type Pair struct{ Name, Value string }

// Pairs is a list of names and values, with Alertmanager's helpers.
type Pairs []Pair

// Names returns the names, in order.
func (ps Pairs) Names() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// Values returns the values, in order.
func (ps Pairs) Values() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Value
	}
	return out
}

// String renders the pairs as "a=b, c=d".
func (ps Pairs) String() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Name + "=" + p.Value
	}
	return strings.Join(parts, ", ")
}

// SortedPairs returns the pairs sorted by name, alertname first, as in
// Alertmanager.
func (kv KV) SortedPairs() Pairs {
	out := make(Pairs, 0, len(kv))
	for k, v := range kv {
		out = append(out, Pair{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Name, out[j].Name
		if (a == "alertname") != (b == "alertname") {
			return a == "alertname"
		}
		return a < b
	})
	return out
}

// Names returns the names in SortedPairs order.
func (kv KV) Names() []string { return kv.SortedPairs().Names() }

// Values returns the values in SortedPairs order.
func (kv KV) Values() []string { return kv.SortedPairs().Values() }

// Remove returns a copy without the given names.
func (kv KV) Remove(names []string) KV {
	out := KV{}
	for k, v := range kv {
		out[k] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// String renders the pairs as "a=b, c=d".
func (kv KV) String() string { return kv.SortedPairs().String() }

// Alert is one alert as templates see it.
type Alert struct {
	Status       string
	Labels       KV
	Annotations  KV
	StartsAt     time.Time
	EndsAt       time.Time
	GeneratorURL string
	Fingerprint  string
	// Value is the query value when the alert was last evaluated.
	Value float64
	// Ack is set when the (firing) alert is acknowledged.
	Ack *alert.Ack
	// Flapping: the alert fires and resolves too often; receivers hear
	// nothing more about it until it is stable. FlappingSince is when it
	// began (zero when it is not flapping).
	Flapping      bool
	FlappingSince time.Time
}

// Alerts is a list of alerts with Alertmanager's helpers.
type Alerts []Alert

// Firing returns the firing alerts.
func (as Alerts) Firing() Alerts { return as.with("firing") }

// Resolved returns the resolved alerts.
func (as Alerts) Resolved() Alerts { return as.with("resolved") }

// Flapping returns the flapping alerts (alerter's addition).
func (as Alerts) Flapping() Alerts {
	out := Alerts{}
	for _, a := range as {
		if a.Flapping {
			out = append(out, a)
		}
	}
	return out
}

func (as Alerts) with(status string) Alerts {
	out := Alerts{}
	for _, a := range as {
		if a.Status == status {
			out = append(out, a)
		}
	}
	return out
}

// ChangesData is notifiers.Changes for templates.
type ChangesData struct {
	Firing   Alerts
	Resolved Alerts
	Raised   Alerts
	// Acked are the alerts acknowledged since the previous message.
	Acked Alerts
	// Flapping are the alerts that began flapping since the previous
	// message; Stable those that were flapping and are stable now (firing
	// or resolved).
	Flapping Alerts
	Stable   Alerts
	Repeat   bool
}

// Data is the root object of every notification template.
type Data struct {
	Receiver          string
	Status            string
	Alerts            Alerts
	GroupLabels       KV
	CommonLabels      KV
	CommonAnnotations KV
	ExternalURL       string
	GroupKey          string
	// Severity is the highest severity among the firing alerts.
	Severity string
	Changes  ChangesData
	Digest   *notifiers.Digest
	// Escalation is set when an escalation policy sends the message.
	Escalation *notifiers.Escalation
	// AllAcknowledged: every firing alert is acknowledged.
	AllAcknowledged bool
}

// NewAlert converts an alert for templates. StartsAt is when it started
// firing (as Prometheus tells Alertmanager), EndsAt when it resolved.
func NewAlert(a *alert.Alert) Alert {
	out := Alert{
		Status:       "firing",
		Labels:       kv(a.Labels),
		Annotations:  kv(a.Annotations),
		StartsAt:     a.FiredAt,
		GeneratorURL: a.GeneratorURL,
		Fingerprint:  a.Fingerprint().String(),
		Value:        a.Value,
	}
	if out.StartsAt.IsZero() {
		out.StartsAt = a.ActiveAt
	}
	if a.State != alert.StateFiring {
		out.Status = "resolved"
		out.EndsAt = a.ResolvedAt
	}
	if a.Flapping() {
		out.Flapping, out.FlappingSince = true, a.FlappingSince()
	}
	return out
}

// NewData builds the template data of a message.
func NewData(m *notifiers.Message) *Data {
	d := &Data{
		Receiver:          m.Receiver,
		Status:            m.Status(),
		Alerts:            alertsOf(m, m.Alerts),
		GroupLabels:       kv(m.GroupLabels),
		CommonLabels:      kv(m.CommonLabels()),
		CommonAnnotations: kv(m.CommonAnnotations()),
		ExternalURL:       m.ExternalURL,
		GroupKey:          m.GroupKey,
		Severity:          m.HighestSeverity(),
		Digest:            m.Digest,
		Escalation:        m.Escalation,
		AllAcknowledged:   m.AllAcknowledged(),
		Changes: ChangesData{
			Firing:   alertsOf(m, m.Changes.Firing),
			Resolved: alertsOf(m, m.Changes.Resolved),
			Raised:   alertsOf(m, m.Changes.Raised),
			Acked:    alertsOf(m, m.Changes.Acked),
			Flapping: alertsOf(m, m.Changes.Flapping),
			Stable:   alertsOf(m, m.Changes.Stable),
			Repeat:   m.Changes.Repeat,
		},
	}
	return d
}

// alertsOf converts alerts of m, with their acknowledgements.
func alertsOf(m *notifiers.Message, as []*alert.Alert) Alerts {
	out := make(Alerts, 0, len(as))
	for _, a := range as {
		ta := NewAlert(a)
		if k, ok := m.Ack(a); ok && a.State == alert.StateFiring {
			ta.Ack = &k
		}
		out = append(out, ta)
	}
	return out
}

func kv(ls model.LabelSet) KV {
	out := make(KV, len(ls))
	for k, v := range ls {
		out[string(k)] = string(v)
	}
	return out
}
