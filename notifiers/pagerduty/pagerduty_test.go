package pagerduty

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// send notifies m through a notifier for srv and returns the event body
// the server accepted.
func send(t *testing.T, srv *pdServer, cfg *Config, m *notifiers.Message) []byte {
	t.Helper()
	before := len(srv.received())
	retry, err := newNotifier(t, cfg).Notify(context.Background(), m)
	if err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	got := srv.received()
	if len(got) != before+1 {
		t.Fatalf("%d requests, want 1", len(got)-before)
	}
	return got[len(got)-1]
}

func TestEventGolden(t *testing.T) {
	api := model.LabelSet{"alertname": "HighLatency", "service": "api", "severity": "warning"}
	web := model.LabelSet{"alertname": "HighLatency", "service": "web", "severity": "critical"}
	ann := model.LabelSet{"summary": "p99 latency above 2s", "runbook_url": "https://runbooks.example/latency"}
	custom := func(c *Config) {
		c.Client = "alerter-prod"
		c.ClientURL = "{{ .ExternalURL }}/#/groups"
		c.Description = "{{ .CommonLabels.alertname }}: {{ .Alerts.Firing | len }} firing"
		c.Severity = `{{ if eq .Severity "critical" }}page{{ else }}warning{{ end }}`
		c.Class = "latency"
		c.Component = "{{ .CommonLabels.service }}"
		c.Group = "{{ .GroupLabels.alertname }}"
		c.Source = "prometheus-eu"
		c.Details = map[string]string{"num_firing": "{{ .Alerts.Firing | len }} alerts", "team": "api"}
		c.Links = []Link{{Href: "{{ (index .Alerts 0).Annotations.runbook_url }}", Text: "Runbook"}, {Href: "{{ .CommonAnnotations.missing }}"}}
		c.Images = []Image{{Src: "https://grafana.example/render/latency.png", Alt: "latency", Href: "https://grafana.example/d/latency"}}
	}
	tests := []struct {
		name   string
		msg    *notifiers.Message
		config func(*Config)
	}{
		{name: "trigger", msg: message(latency(), firing(api, ann), firing(web, ann), resolved(model.LabelSet{"alertname": "HighLatency", "service": "db"}, nil))},
		{name: "trigger_custom", msg: message(latency(), firing(web, ann)), config: custom},
		{name: "resolve", msg: message(latency(), resolved(api, ann), resolved(web, ann))},
		{name: "digest", msg: digestMessage()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newPDServer(t)
			cfg := configFor(t, srv.URL)
			if tt.config != nil {
				tt.config(cfg)
			}
			body := send(t, srv, cfg, tt.msg)
			var got bytes.Buffer
			if err := json.Indent(&got, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			got.WriteByte('\n')
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
				t.Errorf("event differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", golden, got.Bytes(), want)
			}
		})
	}
}

// decode parses an event body into a generic map.
func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestResolveEventIsMinimal(t *testing.T) {
	srv := newPDServer(t)
	ev := decode(t, send(t, srv, configFor(t, srv.URL), message(latency(), resolved(model.LabelSet{"alertname": "HighLatency"}, nil))))
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range ev {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(keys, []string{"dedup_key", "event_action", "routing_key"}) || ev["event_action"] != "resolve" {
		t.Errorf("resolve event %v", ev)
	}
}

func TestDedupKey(t *testing.T) {
	srv := newPDServer(t)
	cfg := configFor(t, srv.URL)
	a := model.LabelSet{"alertname": "HighLatency", "service": "a"}
	b := model.LabelSet{"alertname": "HighLatency", "service": "b"}
	other := model.LabelSet{"alertname": "DiskFull"}

	first := message(latency(), firing(a, nil))
	later := message(latency(), firing(a, nil), firing(b, nil))
	later.At = later.At.Add(time.Hour)
	end := message(latency(), resolved(a, nil), resolved(b, nil))
	keys := map[string]string{}
	for name, m := range map[string]*notifiers.Message{"first": first, "later": later, "resolve": end, "other": message(other, firing(other, nil)), "digest": digestMessage()} {
		keys[name] = decode(t, send(t, srv, cfg, m))["dedup_key"].(string)
	}
	if keys["first"] != keys["later"] || keys["first"] != keys["resolve"] {
		t.Errorf("dedup_key changes within a group: %v", keys)
	}
	if keys["first"] == keys["other"] || keys["first"] == keys["digest"] || keys["other"] == keys["digest"] {
		t.Errorf("dedup_key shared between groups: %v", keys)
	}
	sum := sha256.Sum256([]byte(`{}:{alertname="HighLatency"}`))
	if want := hex.EncodeToString(sum[:]); keys["first"] != want || DedupKey(first.GroupKey) != want {
		t.Errorf("dedup_key %s, want sha256 of the group key %s", keys["first"], want)
	}
	sum = sha256.Sum256([]byte("storm:team-api"))
	if keys["digest"] != hex.EncodeToString(sum[:]) {
		t.Errorf("digest dedup_key %s is not sha256(storm:team-api)", keys["digest"])
	}
	// A new notifier (a restart) computes the same key.
	if got := decode(t, send(t, srv, configFor(t, srv.URL), first))["dedup_key"]; got != keys["first"] {
		t.Errorf("dedup_key after restart %v, want %s", got, keys["first"])
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		labels     []string // severity labels of the firing alerts
		configured string
		want       string
	}{
		{labels: []string{"critical"}, want: "critical"},
		{labels: []string{"page"}, want: "critical"},
		{labels: []string{"warning", "error"}, want: "error"},
		{labels: []string{"warning", "info"}, want: "warning"},
		{labels: []string{"info"}, want: "info"},
		{labels: []string{"none"}, want: "info"},
		{labels: []string{"urgent"}, want: "error"},
		{labels: []string{""}, want: "error"},
		{labels: []string{"critical"}, configured: "warning", want: "warning"},
		{labels: []string{"critical"}, configured: "{{ .Severity }}", want: "critical"},
		{labels: []string{"warning"}, configured: "{{ .CommonLabels.severity | toUpper }}", want: "warning"},
		{labels: []string{"warning"}, configured: "{{ .CommonLabels.tier }}", want: "error"},
	}
	srv := newPDServer(t)
	for _, tt := range tests {
		t.Run(strings.Join(tt.labels, ",")+"/"+tt.configured, func(t *testing.T) {
			var alerts []*alert.Alert
			for i, s := range tt.labels {
				ls := model.LabelSet{"alertname": "HighLatency", "i": model.LabelValue(rune('a' + i))}
				if s != "" {
					ls["severity"] = model.LabelValue(s)
				}
				alerts = append(alerts, firing(ls, nil))
			}
			cfg := configFor(t, srv.URL)
			cfg.Severity = tt.configured
			p := decode(t, send(t, srv, cfg, message(latency(), alerts...)))["payload"].(map[string]any)
			if p["severity"] != tt.want {
				t.Errorf("severity %v, want %s", p["severity"], tt.want)
			}
		})
	}
	if got := MapSeverity(" Critical "); got != "critical" {
		t.Errorf("MapSeverity ignores case badly: %q", got)
	}
}

func TestSummaryIsTruncated(t *testing.T) {
	srv := newPDServer(t)
	cfg := configFor(t, srv.URL)
	cfg.Description = `{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}`
	long := strings.Repeat("é", 2000)
	p := decode(t, send(t, srv, cfg, message(latency(), firing(latency(), model.LabelSet{"summary": model.LabelValue(long)}))))["payload"].(map[string]any)
	s := p["summary"].(string)
	if utf8.RuneCountInString(s) != 1024 || !strings.HasSuffix(s, "é…") {
		t.Errorf("summary of %d characters ending %q", utf8.RuneCountInString(s), s[len(s)-8:])
	}

	// An empty summary would be rejected: the group key stands in.
	cfg.Description = "{{ .CommonAnnotations.nothing }}"
	p = decode(t, send(t, srv, cfg, message(latency(), firing(latency(), nil))))["payload"].(map[string]any)
	if p["summary"] != `{}:{alertname="HighLatency"}` {
		t.Errorf("empty description: summary %q", p["summary"])
	}
}

func TestOversizedEventDropsDetails(t *testing.T) {
	srv := newPDServer(t)
	big := model.LabelValue(strings.Repeat("x", 4000))
	var alerts []*alert.Alert
	for i := range 200 {
		alerts = append(alerts, firing(model.LabelSet{"alertname": "HighLatency", "i": model.LabelValue(strconv.Itoa(i))}, model.LabelSet{"description": big}))
	}
	ev := decode(t, send(t, srv, configFor(t, srv.URL), message(latency(), alerts...)))
	d := ev["payload"].(map[string]any)["custom_details"].(map[string]any)
	if len(d) != 1 || !strings.Contains(d["error"].(string), "custom details dropped") {
		t.Errorf("custom_details %v", d)
	}
}

func TestSendResolvedOff(t *testing.T) {
	srv := newPDServer(t)
	cfg := configFor(t, srv.URL)
	off := false
	cfg.SendResolved = &off
	n := newNotifier(t, cfg)
	if n.SendResolved() {
		t.Error("SendResolved() = true")
	}
	if retry, err := n.Notify(context.Background(), message(latency(), resolved(latency(), nil))); err != nil || retry {
		t.Fatal(retry, err)
	}
	if got := len(srv.received()); got != 0 {
		t.Errorf("%d events sent for a resolved group with send_resolved off", got)
	}
	// A firing group still triggers, without its resolved alerts.
	if _, err := n.Notify(context.Background(), message(latency(), firing(latency(), nil), resolved(model.LabelSet{"alertname": "HighLatency", "x": "y"}, nil))); err != nil {
		t.Fatal(err)
	}
	d := decode(t, srv.received()[0])["payload"].(map[string]any)["custom_details"].(map[string]any)
	if d["num_resolved"] != "0" || d["num_firing"] != "1" {
		t.Errorf("details %v", d)
	}
	if newNotifier(t, configFor(t, srv.URL)).SendResolved() != true {
		t.Error("send_resolved does not default to true")
	}
}

func TestClientURLDefaultsToExternalURL(t *testing.T) {
	srv := newPDServer(t)
	m := message(latency(), firing(latency(), nil))
	if got := decode(t, send(t, srv, configFor(t, srv.URL), m))["client_url"]; got != "http://alerter.example:9099" {
		t.Errorf("client_url %v, want the options' external URL", got)
	}
	m.ExternalURL = "https://alerter.prod.example"
	ev := decode(t, send(t, srv, configFor(t, srv.URL), m))
	if ev["client_url"] != m.ExternalURL || ev["client"] != "alerter" || ev["payload"].(map[string]any)["source"] != "alerter" {
		t.Errorf("client %v client_url %v source %v", ev["client"], ev["client_url"], ev["payload"].(map[string]any)["source"])
	}
}

func TestRoutingKeyFile(t *testing.T) {
	srv := newPDServer(t)
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := configFor(t, srv.URL)
	cfg.RoutingKey, cfg.RoutingKeyFile = "", file
	if got := decode(t, send(t, srv, cfg, message(latency(), firing(latency(), nil))))["routing_key"]; got != testKey {
		t.Errorf("routing_key %v", got)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	retry, err := newNotifier(t, cfg).Notify(context.Background(), message(latency(), firing(latency(), nil)))
	if err == nil || !retry || !strings.Contains(err.Error(), "routing_key_file") {
		t.Errorf("missing file: retry=%v err=%v", retry, err)
	}
}

func TestTemplateErrorIsPermanent(t *testing.T) {
	srv := newPDServer(t)
	cfg := configFor(t, srv.URL)
	cfg.Description = `{{ index .Alerts 5 }}`
	retry, err := newNotifier(t, cfg).Notify(context.Background(), message(latency(), firing(latency(), nil)))
	if err == nil || retry || !strings.Contains(err.Error(), "description") {
		t.Errorf("retry=%v err=%v", retry, err)
	}
	if n := len(srv.received()); n != 0 {
		t.Errorf("%d events sent", n)
	}
}

func TestEmptyMessageSendsNothing(t *testing.T) {
	srv := newPDServer(t)
	n := newNotifier(t, configFor(t, srv.URL))
	for _, m := range []*notifiers.Message{nil, message(latency())} {
		if retry, err := n.Notify(context.Background(), m); err != nil || retry {
			t.Fatal(retry, err)
		}
	}
	if got := len(srv.received()); got != 0 {
		t.Errorf("%d events sent", got)
	}
}

// TestAcknowledgedGroupAcknowledgesIncident: when every firing alert of
// the group is acknowledged in alerter, PagerDuty is told so (with the
// same dedup key), and stops escalating on its side too; while one is
// not, the event stays a trigger.
func TestAcknowledgedGroupAcknowledgesIncident(t *testing.T) {
	srv := newPDServer(t)
	a := firing(model.LabelSet{"alertname": "HighLatency", "instance": "a"}, nil)
	b := firing(model.LabelSet{"alertname": "HighLatency", "instance": "b"}, nil)
	m := message(latency(), a, b)
	m.Acks = map[model.Fingerprint]alert.Ack{a.Fingerprint(): {ID: "x", By: "alice", At: time.Now()}}
	m.Changes.Acked = []*alert.Alert{a}
	if ev := decode(t, send(t, srv, configFor(t, srv.URL), m)); ev["event_action"] != "trigger" {
		t.Fatalf("partly acknowledged group: %v", ev["event_action"])
	}
	trig := decode(t, send(t, srv, configFor(t, srv.URL), message(latency(), a, b)))
	m.Acks[b.Fingerprint()] = alert.Ack{ID: "y", By: "bob", At: time.Now()}
	ev := decode(t, send(t, srv, configFor(t, srv.URL), m))
	if ev["event_action"] != "acknowledge" || ev["dedup_key"] != trig["dedup_key"] || ev["payload"] != nil {
		t.Fatalf("acknowledge event %v (trigger's dedup key %v)", ev, trig["dedup_key"])
	}
}
