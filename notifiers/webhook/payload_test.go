package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// digestMessage is a storm-control digest for team-api.
func digestMessage() *notifiers.Message {
	return &notifiers.Message{
		Receiver: "team-api",
		Digest: &notifiers.Digest{
			Alerts: 120,
			Groups: 14,
			Window: 5 * time.Minute,
			ByRule: []notifiers.Count{{Name: "HighLatency", Count: 80}, {Name: "DiskFull", Count: 40}},
			TopLabels: []notifiers.LabelCount{
				{Name: "service", Value: "api", Count: 60},
				{Name: "zone", Value: "eu-1", Count: 50},
			},
			APIURL: "http://alerter.example:9099/api/v1/alerts?receiver=team-api",
		},
		At:    t0.Add(10 * time.Minute),
		State: map[string]string{},
	}
}

// TestPayloadGolden posts messages to a local receiver and compares the
// bodies it received with testdata/<name>.golden (indented for review;
// key order and values are the wire's).
func TestPayloadGolden(t *testing.T) {
	api := model.LabelSet{"alertname": "HighLatency", "service": "api", "severity": "warning"}
	web := model.LabelSet{"alertname": "HighLatency", "service": "web", "severity": "critical"}
	ann := model.LabelSet{"summary": "p99 latency above 2s", "runbook_url": "https://runbooks.example/latency"}
	odd := model.LabelSet{"alertname": "HighLatency", "path": `/a?b=<c>&d="e"`, "team": "ünïcode ✓"}

	tests := []struct {
		name      string
		msg       *notifiers.Message
		maxAlerts int
	}{
		{name: "firing", msg: message(firing(api, ann), firing(web, ann))},
		{name: "resolved", msg: message(resolved(api, ann))},
		{name: "mixed", msg: message(resolved(api, ann), firing(web, ann))},
		{name: "truncated", msg: message(firing(api, ann), firing(web, ann), resolved(odd, nil)), maxAlerts: 2},
		{name: "escaping", msg: message(firing(odd, model.LabelSet{"description": "line1\nline2\t<b>"}))},
		{name: "digest", msg: digestMessage()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, nil)
			cfg := configFor(t, rc.URL, "/hook")
			cfg.MaxAlerts = tt.maxAlerts
			if _, err := newNotifier(t, cfg).Notify(context.Background(), tt.msg); err != nil {
				t.Fatalf("Notify: %v", err)
			}
			reqs := rc.got()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			decodeStrict(t, reqs[0].Body)
			var got bytes.Buffer
			if err := json.Indent(&got, reqs[0].Body, "", "  "); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("payload differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", golden, got.Bytes(), want)
			}
		})
	}
}

// TestPayloadSemantics checks the fields that Alertmanager's receivers
// rely on, independently of the golden files.
func TestPayloadSemantics(t *testing.T) {
	api := model.LabelSet{"alertname": "HighLatency", "service": "api", "severity": "warning"}
	web := model.LabelSet{"alertname": "HighLatency", "service": "web", "severity": "warning"}
	ann := model.LabelSet{"summary": "slow"}
	fa := firing(api, ann)
	fa.FiredAt = t0.Add(5 * time.Minute)
	ra := resolved(web, nil)
	ra.FiredAt = time.Time{} // Falls back to ActiveAt.

	m := message(ra, fa)
	m.ExternalURL = "http://alerter.example"
	p := NewPayload(m, 0)
	if p.Status != "firing" || p.Version != "4" || p.TruncatedAlerts != 0 || p.ExternalURL != "http://alerter.example" {
		t.Errorf("status %q version %q truncated %d externalURL %q", p.Status, p.Version, p.TruncatedAlerts, p.ExternalURL)
	}
	if p.GroupKey != `{}:{alertname="HighLatency"}` {
		t.Errorf("groupKey %q", p.GroupKey)
	}
	wantCommon := map[string]string{"alertname": "HighLatency", "severity": "warning"}
	if !maps.Equal(p.CommonLabels, wantCommon) {
		t.Errorf("commonLabels %v, want %v", p.CommonLabels, wantCommon)
	}
	if len(p.CommonAnnotations) != 0 {
		t.Errorf("commonAnnotations %v, want none", p.CommonAnnotations)
	}
	a, b := p.Alerts[0], p.Alerts[1]
	if !a.StartsAt.Equal(fa.FiredAt) || !a.EndsAt.IsZero() || a.Status != "firing" {
		t.Errorf("firing alert: startsAt %v endsAt %v status %s", a.StartsAt, a.EndsAt, a.Status)
	}
	if !b.StartsAt.Equal(ra.ActiveAt) || !b.EndsAt.Equal(ra.ResolvedAt) || b.Status != "resolved" {
		t.Errorf("resolved alert: startsAt %v endsAt %v status %s", b.StartsAt, b.EndsAt, b.Status)
	}
	if a.Fingerprint != fmt.Sprintf("%016x", uint64(api.Fingerprint())) || len(a.Fingerprint) != 16 {
		t.Errorf("fingerprint %q", a.Fingerprint)
	}

	// Truncation keeps the first alerts (firing ones come first), and the
	// status of the whole message.
	p = NewPayload(message(resolved(api, nil), firing(web, nil)), 1)
	if len(p.Alerts) != 1 || p.TruncatedAlerts != 1 || p.Status != "firing" || p.Alerts[0].Status != "firing" {
		t.Errorf("truncated: %d alerts, %d truncated, status %s", len(p.Alerts), p.TruncatedAlerts, p.Status)
	}
	if p = NewPayload(message(resolved(api, nil)), 0); p.Status != "resolved" {
		t.Errorf("all resolved: status %s", p.Status)
	}
}

func TestDigestPayload(t *testing.T) {
	p := NewPayload(digestMessage(), 0)
	if p.Status != "firing" || len(p.Alerts) != 0 || p.GroupKey != "storm:team-api" || len(p.GroupLabels) != 0 || len(p.CommonLabels) != 0 {
		t.Errorf("digest payload %+v", p)
	}
	want := "Alert storm: 120 alerts in 14 groups within 5m.\n" +
		"By rule: HighLatency=80 DiskFull=40\n" +
		"Top labels: service=api (60) zone=eu-1 (50)\n" +
		"All alerts: http://alerter.example:9099/api/v1/alerts?receiver=team-api"
	if got := p.CommonAnnotations["summary"]; got != want || len(p.CommonAnnotations) != 1 {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
	// Empty parts are left out.
	d := &notifiers.Message{Receiver: "r", Digest: &notifiers.Digest{Alerts: 3, Groups: 1, Window: time.Minute}}
	if got := NewPayload(d, 0).CommonAnnotations["summary"]; got != "Alert storm: 3 alerts in 1 groups within 1m." {
		t.Errorf("minimal digest summary %q", got)
	}
}
