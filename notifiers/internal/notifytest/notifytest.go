// Package notifytest has what the tests of receiver integrations share:
// messages in the shapes the pipeline builds (firing, resolved,
// acknowledged, escalated, storm digests), the default templates, and
// golden files rewritten with -update. Only tests import it.
package notifytest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/internal/fakeapi"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// T0 is when the test alerts started.
var T0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// Receiver is the receiver of the test messages.
const Receiver = "team-api"

// Firing is a firing alert, fired a minute after T0.
func Firing(labels, annotations model.LabelSet) *alert.Alert {
	return &alert.Alert{
		Key:          alert.Key{RuleID: "rules.yml;api;0", ID: labels.Fingerprint()},
		Labels:       labels,
		Annotations:  annotations,
		State:        alert.StateFiring,
		GeneratorURL: "http://prometheus.example/graph?g0.expr=up",
		ActiveAt:     T0,
		FiredAt:      T0.Add(time.Minute),
		Value:        0.97,
	}
}

// Resolved is the alert resolved ten minutes after T0.
func Resolved(labels, annotations model.LabelSet) *alert.Alert {
	a := Firing(labels, annotations)
	a.State = alert.StateInactive
	a.ResolvedAt = T0.Add(10 * time.Minute)
	return a
}

// Message puts alerts into a message of the group with the given group
// labels, ordered as the pipeline orders them.
func Message(groupLabels model.LabelSet, alerts ...*alert.Alert) *notifiers.Message {
	as := append([]*alert.Alert(nil), alerts...)
	notifiers.SortAlerts(as)
	return &notifiers.Message{
		Receiver:    Receiver,
		GroupKey:    "{}:" + groupLabels.String(),
		GroupLabels: groupLabels,
		Alerts:      as,
		At:          T0.Add(10 * time.Minute),
		State:       map[string]string{},
	}
}

// Acked marks every firing alert of m acknowledged by who.
func Acked(m *notifiers.Message, who string) *notifiers.Message {
	m.Acks = map[model.Fingerprint]alert.Ack{}
	for _, a := range m.Firing() {
		m.Acks[a.Fingerprint()] = alert.Ack{By: who, Comment: "looking", At: T0.Add(5 * time.Minute)}
	}
	return m
}

// Digest is a storm-control digest for Receiver.
func Digest() *notifiers.Message {
	return &notifiers.Message{
		Receiver: Receiver,
		Digest: &notifiers.Digest{
			Alerts: 120, Groups: 14, Window: 5 * time.Minute,
			ByRule:    []notifiers.Count{{Name: "HighLatency", Count: 80}, {Name: "DiskFull", Count: 40}},
			TopLabels: []notifiers.LabelCount{{Name: "service", Value: "api", Count: 60}},
			APIURL:    "http://alerter.example:9099/api/v1/alerts?receiver=team-api",
		},
		At:    T0.Add(10 * time.Minute),
		State: map[string]string{},
	}
}

// Latency is the group labels of the HighLatency group.
func Latency() model.LabelSet { return model.LabelSet{"alertname": "HighLatency"} }

// API and Web are two alerts of the HighLatency group.
func API() model.LabelSet {
	return model.LabelSet{"alertname": "HighLatency", "service": "api", "severity": "warning"}
}

// Web is the other alert of the HighLatency group.
func Web() model.LabelSet {
	return model.LabelSet{"alertname": "HighLatency", "service": "web", "severity": "critical"}
}

// Annotations are the annotations of the test alerts.
func Annotations() model.LabelSet {
	return model.LabelSet{"summary": "p99 latency above 500ms", "description": "The 99th percentile is 730ms.", "runbook_url": "https://runbooks.example/latency"}
}

// Templates returns the default templates.
func Templates(t testing.TB) *template.Template {
	t.Helper()
	tmpl, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// Options are the integration options of the tests.
func Options() notifiers.IntegrationOptions {
	return notifiers.IntegrationOptions{Receiver: Receiver, ExternalURL: "http://alerter.example:9099", UserAgent: "alerter/test"}
}

// Notify sends m through n and fails the test unless it was delivered.
func Notify(t testing.TB, n notifiers.Integration, m *notifiers.Message) {
	t.Helper()
	if retry, err := n.Notify(context.Background(), m); err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
}

// Golden compares got with testdata/<name>.golden, or rewrites the file
// with -update. JSON is indented first, so that diffs are readable.
func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if json.Indent(&pretty, got, "", "  ") == nil {
		got = pretty.Bytes()
	}
	if !bytes.HasSuffix(got, []byte("\n")) {
		got = append(got, '\n')
	}
	golden := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("payload differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

// GoldenRequest compares a request a fake received with
// testdata/<name>.golden: its method, path, query, content type and body
// (JSON indented, a form one parameter a line).
func GoldenRequest(t *testing.T, name string, r fakeapi.Request) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(r.Method + " " + r.Path)
	if q := r.Query.Encode(); q != "" {
		b.WriteString("?" + q)
	}
	b.WriteString("\nContent-Type: " + r.Header.Get("Content-Type") + "\n\n")
	var pretty bytes.Buffer
	switch {
	case json.Indent(&pretty, r.Body, "", "  ") == nil:
		b.Write(pretty.Bytes())
	default:
		if form, err := url.ParseQuery(string(r.Body)); err == nil && strings.Contains(r.Header.Get("Content-Type"), "form") {
			for _, k := range slices.Sorted(maps.Keys(form)) {
				b.WriteString(k + "=" + strconv.Quote(form.Get(k)) + "\n")
			}
		} else {
			b.Write(r.Body)
		}
	}
	Golden(t, name, b.Bytes())
}
