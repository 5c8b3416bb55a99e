package pagerduty

import (
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

// testKey is a routing key of PagerDuty's length.
const testKey = "R0UT1NGKEYabcdef0123456789ABCDEF"

// t0 is the time the test alerts started.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func firing(labels, annotations model.LabelSet) *alert.Alert {
	return &alert.Alert{
		Key:          alert.Key{RuleID: "rules.yml;api;0", ID: labels.Fingerprint()},
		Labels:       labels,
		Annotations:  annotations,
		State:        alert.StateFiring,
		GeneratorURL: "http://prometheus.example/graph?g0.expr=up",
		ActiveAt:     t0,
		FiredAt:      t0.Add(time.Minute),
	}
}

func resolved(labels, annotations model.LabelSet) *alert.Alert {
	a := firing(labels, annotations)
	a.State = alert.StateInactive
	a.ResolvedAt = t0.Add(10 * time.Minute)
	return a
}

// message puts alerts into a message of the group with the given group
// labels, ordered as the pipeline orders them.
func message(gl model.LabelSet, alerts ...*alert.Alert) *notifiers.Message {
	as := append([]*alert.Alert(nil), alerts...)
	notifiers.SortAlerts(as)
	return &notifiers.Message{
		Receiver:    "team-api",
		GroupKey:    "{}:" + gl.String(),
		GroupLabels: gl,
		Alerts:      as,
		At:          t0.Add(10 * time.Minute),
		State:       map[string]string{},
	}
}

// latency is the group labels of the HighLatency group.
func latency() model.LabelSet { return model.LabelSet{"alertname": "HighLatency"} }

func digestMessage() *notifiers.Message {
	return &notifiers.Message{
		Receiver: "team-api",
		Digest: &notifiers.Digest{
			Alerts: 120, Groups: 14, Window: 5 * time.Minute,
			ByRule:    []notifiers.Count{{Name: "HighLatency", Count: 80}, {Name: "DiskFull", Count: 40}},
			TopLabels: []notifiers.LabelCount{{Name: "service", Value: "api", Count: 60}},
			APIURL:    "http://alerter.example:9099/api/v1/alerts?receiver=team-api",
		},
		At:    t0.Add(10 * time.Minute),
		State: map[string]string{},
	}
}

func testTemplates(t *testing.T) *template.Template {
	t.Helper()
	tmpl, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func testOptions() notifiers.IntegrationOptions {
	return notifiers.IntegrationOptions{Receiver: "team-api", ExternalURL: "http://alerter.example:9099", UserAgent: "alerter/test"}
}

// configFor returns a config sending to srv's enqueue endpoint.
func configFor(t *testing.T, base string) *Config {
	t.Helper()
	u, err := url.Parse(base + "/v2/enqueue")
	if err != nil {
		t.Fatal(err)
	}
	return &Config{RoutingKey: testKey, URL: &config.URL{URL: u}}
}

func newNotifier(t *testing.T, cfg *Config) *Notifier {
	t.Helper()
	n, err := New(cfg, testTemplates(t), testOptions())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}
