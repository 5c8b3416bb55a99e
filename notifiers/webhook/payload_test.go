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

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestPayloadGolden posts messages to a local receiver and compares the
// bodies it received with testdata/<name>.golden (indented for review;
// key order and values are the wire's).
func TestPayloadGolden(t *testing.T) {
	api := model.LabelSet{"alertname": "HighLatency", "service": "api", "severity": "warning"}
	web := model.LabelSet{"alertname": "HighLatency", "service": "web", "severity": "critical"}
	ann := model.LabelSet{"summary": "p99 latency above 2s", "runbook_url": "https://runbooks.example/latency"}
	raised := firing(4, web, ann)
	raised.Kind = alert.EventSeverityRaised
	raised.PrevSeverity = "warning"
	odd := model.LabelSet{"alertname": "HighLatency", "path": `/a?b=<c>&d="e"`, "team": "ünïcode ✓"}

	tests := []struct {
		name      string
		msg       *notifiers.Message
		maxAlerts int
	}{
		{name: "firing", msg: message(firing(1, api, ann), firing(2, web, ann))},
		{name: "resolved", msg: message(resolved(3, api, ann))},
		{name: "mixed", msg: message(resolved(3, api, ann), raised)},
		{name: "truncated", msg: message(firing(1, api, ann), firing(2, web, ann), firing(5, odd, nil)), maxAlerts: 2},
		{name: "escaping", msg: message(firing(5, odd, model.LabelSet{"description": "line1\nline2\t<b>"}))},
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
	fe := firing(1, api, ann)
	fe.Alert.FiredAt = t0.Add(5 * time.Minute)
	re := resolved(2, web, nil)
	re.Alert.FiredAt = time.Time{} // Falls back to ActiveAt.

	p := NewPayload(message(fe, re), "http://alerter.example", 0)
	if p.Status != "firing" || p.Version != "4" || p.TruncatedAlerts != 0 {
		t.Errorf("status %q version %q truncated %d", p.Status, p.Version, p.TruncatedAlerts)
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
	if !a.StartsAt.Equal(fe.Alert.FiredAt) || !a.EndsAt.IsZero() || a.Status != "firing" {
		t.Errorf("firing alert: startsAt %v endsAt %v status %s", a.StartsAt, a.EndsAt, a.Status)
	}
	if !b.StartsAt.Equal(re.Alert.ActiveAt) || !b.EndsAt.Equal(re.Alert.ResolvedAt) || b.Status != "resolved" {
		t.Errorf("resolved alert: startsAt %v endsAt %v status %s", b.StartsAt, b.EndsAt, b.Status)
	}
	if a.Fingerprint != fmt.Sprintf("%016x", uint64(api.Fingerprint())) || len(a.Fingerprint) != 16 {
		t.Errorf("fingerprint %q", a.Fingerprint)
	}

	// Truncation keeps the first alerts, and the status of the whole message.
	p = NewPayload(message(resolved(1, api, nil), firing(2, web, nil)), "", 1)
	if len(p.Alerts) != 1 || p.TruncatedAlerts != 1 || p.Status != "firing" || p.Alerts[0].Status != "resolved" {
		t.Errorf("truncated: %d alerts, %d truncated, status %s", len(p.Alerts), p.TruncatedAlerts, p.Status)
	}
	if p = NewPayload(message(resolved(1, api, nil)), "", 0); p.Status != "resolved" {
		t.Errorf("all resolved: status %s", p.Status)
	}
}
