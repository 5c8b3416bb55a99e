package slack

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// t0 is when the test alerts became active.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// firing returns a firing alert of the HighLatency rule.
func firing(instance, severity string, annotations model.LabelSet) *alert.Alert {
	labels := model.LabelSet{"alertname": "HighLatency", "job": "api", "instance": model.LabelValue(instance)}
	if severity != "" {
		labels["severity"] = model.LabelValue(severity)
	}
	return &alert.Alert{
		Key:          alert.Key{RuleID: "rules.yml;api;0", ID: labels.Fingerprint()},
		Labels:       labels,
		Annotations:  annotations,
		State:        alert.StateFiring,
		Value:        0.734,
		GeneratorURL: "http://prometheus.example:9090/graph?g0.expr=latency%3E0.5&g0.tab=1",
		ActiveAt:     t0,
		FiredAt:      t0.Add(time.Minute),
		LastEvalAt:   t0.Add(5 * time.Minute),
	}
}

// resolved returns a resolved copy of a.
func resolved(a *alert.Alert) *alert.Alert {
	r := a.Clone()
	r.State = alert.StateInactive
	r.ResolvedAt = t0.Add(10 * time.Minute)
	return r
}

// annotations with a summary, a description and a runbook.
func annotations(instance string) model.LabelSet {
	return model.LabelSet{
		"summary":     model.LabelValue("p99 latency above 500ms on " + instance),
		"description": "The 99th percentile of request latency has been above 500ms for 5 minutes.",
		"runbook_url": "https://runbooks.example.com/api/high-latency",
	}
}

// groupMessage groups alerts of the HighLatency group; state may be nil.
func groupMessage(state map[string]string, alerts ...*alert.Alert) *notifiers.Message {
	notifiers.SortAlerts(alerts)
	gl := model.LabelSet{"alertname": "HighLatency"}
	if state == nil {
		state = map[string]string{}
	}
	return &notifiers.Message{
		Receiver:    "team-api",
		GroupKey:    `{}:{alertname="HighLatency"}`,
		GroupLabels: gl,
		Alerts:      alerts,
		Changes:     notifiers.Changes{Firing: firingOf(alerts)},
		ExternalURL: "http://alerter.example:9095",
		At:          t0.Add(5 * time.Minute),
		State:       state,
	}
}

func firingOf(as []*alert.Alert) []*alert.Alert {
	var out []*alert.Alert
	for _, a := range as {
		if a.State == alert.StateFiring {
			out = append(out, a)
		}
	}
	return out
}

// posted is the state of a group whose message is firstTS in the channel.
func posted() map[string]string {
	return map[string]string{StateChannel: testChannelID, StateTS: firstTS, StateStatus: "firing"}
}

// digest is a storm summary message.
func digest() *notifiers.Message {
	return &notifiers.Message{
		Receiver: "team-api",
		Digest: &notifiers.Digest{
			Alerts: 240, Groups: 37, Window: 5 * time.Minute,
			ByRule: []notifiers.Count{{Name: "InstanceDown", Count: 180}, {Name: "HighLatency", Count: 60}},
			TopLabels: []notifiers.LabelCount{
				{Name: "cluster", Value: "eu-1", Count: 200},
				{Name: "job", Value: "node", Count: 180},
			},
			APIURL: "http://alerter.example:9095/api/v1/alerts?receiver=team-api",
		},
		ExternalURL: "http://alerter.example:9095",
		At:          t0.Add(5 * time.Minute),
		State:       map[string]string{},
	}
}

// botConfig posts with the test token through the fake.
func botConfig(t *testing.T, f *fakeSlack) *Config {
	t.Helper()
	u, err := url.Parse(f.URL + "/api/")
	if err != nil {
		t.Fatal(err)
	}
	return &Config{AppToken: testToken, AppURL: &config.URL{URL: u}, Channel: "#alerts"}
}

// webhookConfig posts to the fake's webhook.
func webhookConfig(t *testing.T, f *fakeSlack) *Config {
	t.Helper()
	u, err := ParseSecretURL(f.URL + testWebhookPath)
	if err != nil {
		t.Fatal(err)
	}
	return &Config{APIURL: u}
}

// logBuffer collects log output, safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newNotifier builds a notifier that logs at debug level into logs
// (which may be nil).
func newNotifier(t *testing.T, cfg *Config, logs *logBuffer, no NotifierOptions) *Notifier {
	t.Helper()
	tmpl, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	opts := notifiers.IntegrationOptions{Receiver: "team-api", UserAgent: "alerter/test", ExternalURL: "http://alerter.example:9095"}
	if logs != nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	n, err := NewWithOptions(cfg, tmpl, opts, no)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

// notify sends m and fails the test on an error.
func notify(t *testing.T, n *Notifier, m *notifiers.Message) {
	t.Helper()
	if retry, err := n.Notify(context.Background(), m); err != nil {
		t.Fatalf("Notify: retry=%v, %v", retry, err)
	}
}

// checkCalls fails on calls the real Slack would have objected to, and
// returns them for further checks.
func checkCalls(t *testing.T, f *fakeSlack) []apiCall {
	t.Helper()
	calls := f.got()
	for i, c := range calls {
		for _, p := range c.Problems {
			t.Errorf("call %d (%s): %s", i, c.Method, p)
		}
	}
	return calls
}

// methods lists the calls' methods.
func methods(calls []apiCall) string {
	var s []string
	for _, c := range calls {
		s = append(s, c.Method)
	}
	return strings.Join(s, " ")
}

// param returns a string argument of a call.
func param(c apiCall, key string) string {
	s, _ := c.Params[key].(string)
	return s
}
