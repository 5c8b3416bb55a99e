package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func amData() *Data {
	started := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	return &Data{
		Receiver: "team x",
		Status:   "firing",
		Alerts: Alerts{
			{Status: "firing", Labels: KV{"alertname": "DiskFull", "instance": "db1", "severity": "critical", "cluster": "eu"},
				Annotations: KV{"summary": "disk full"}, StartsAt: started, GeneratorURL: "http://prom/graph?g0.expr=x"},
			{Status: "firing", Labels: KV{"alertname": "DiskFull", "instance": "db2", "severity": "critical", "cluster": "eu"},
				Annotations: KV{"summary": "disk full"}, StartsAt: started, GeneratorURL: "http://prom/graph?g0.expr=y"},
			{Status: "resolved", Labels: KV{"alertname": "DiskFull", "instance": "db3", "severity": "critical", "cluster": "eu"}},
		},
		GroupLabels:       KV{"alertname": "DiskFull", "cluster": "eu"},
		CommonLabels:      KV{"alertname": "DiskFull", "cluster": "eu", "severity": "critical"},
		CommonAnnotations: KV{},
		ExternalURL:       "https://alerter.example.com",
	}
}

// TestAlertmanagerTemplateFile: a user's template file written for
// Alertmanager, calling its named templates and helpers, renders.
func TestAlertmanagerTemplateFile(t *testing.T) {
	tm, err := New(filepath.Join("testdata", "*.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		`{{ template "team.title" . }}`: "[FIRING:2] DiskFull eu (critical)",
		`{{ template "team.text" . }}`: "Labels:\n - alertname = DiskFull\n - cluster = eu\n - instance = db1\n - severity = critical\n" +
			"Annotations:\n - summary = disk full\nSource: http://prom/graph?g0.expr=x\n" +
			"Labels:\n - alertname = DiskFull\n - cluster = eu\n - instance = db2\n - severity = critical\n" +
			"Annotations:\n - summary = disk full\nSource: http://prom/graph?g0.expr=y\n",
		`{{ template "team.link" . }}`:   "https://alerter.example.com/api/v2/alerts?receiver=team+x",
		`{{ template "team.client" . }}`: "alerter: https://alerter.example.com/api/v2/alerts?receiver=team+x",
		`{{ template "team.summary" . }}`: "alertname,cluster,instance,severity | alertname=DiskFull, cluster=eu, instance=db1, severity=critical | up 1h 2m 5s" +
			"alertname,cluster,instance,severity | alertname=DiskFull, cluster=eu, instance=db2, severity=critical | up 1h 2m 5s",
		`{{ template "slack.default.fallback" . }}`:                                "[FIRING:2] DiskFull eu (critical) | https://alerter.example.com/api/v2/alerts?receiver=team+x",
		`{{ template "slack.default.username" . }}`:                                "alerter",
		`{{ template "__text_alert_list_markdown" .Alerts.Resolved }}`:             "\nLabels:\n  - alertname = DiskFull\n  - cluster = eu\n  - instance = db3\n  - severity = critical\nAnnotations:\nSource: \n",
		`{{ template "__description" . }}`:                                         "",
		`{{ .CommonLabels.Remove .GroupLabels.Names }}`:                            "severity=critical",
		`{{ (index .Alerts 0).StartsAt | tz "Europe/Berlin" | date "15:04 MST" }}`: "12:00 CEST",
	}
	for text, want := range tests {
		got, err := tm.ExecuteText(text, amData())
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", text, got, want)
		}
	}
	// Every name Alertmanager 0.25-0.28 defines for the receivers alerter
	// has exists (the other receivers' are in their own files).
	for _, name := range []string{"__text_alert_list", "__text_alert_list_markdown", "pagerduty.default.instances"} {
		// These take a list of alerts, as in Alertmanager.
		if _, err := tm.ExecuteText(`{{ template "`+name+`" .Alerts.Firing }}`, amData()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"__alertmanager", "__alertmanagerURL", "__subject", "__description", "slack.default.title", "slack.default.username", "slack.default.fallback",
		"slack.default.callbackid", "slack.default.pretext", "slack.default.titlelink", "slack.default.iconemoji",
		"slack.default.iconurl", "slack.default.text", "slack.default.footer", "pagerduty.default.description",
		"pagerduty.default.client", "pagerduty.default.clientURL",
		"email.default.subject", "email.default.html"} {
		if _, err := tm.ExecuteText(`{{ template "`+name+`" . }}`, amData()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if html, err := tm.ExecuteHTML(`{{ template "email.default.html" . }}`, amData()); err != nil || !strings.Contains(html, "db1") {
		t.Errorf("email.default.html: %v\n%s", err, html)
	}
}

// TestUserTemplateReplacesDefault: a user's {{ define }} of a default
// name wins over the built-in one.
func TestUserTemplateReplacesDefault(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mine.tmpl"), []byte(`{{ define "__subject" }}custom {{ .Status }}{{ end }}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tm, err := New(filepath.Join(dir, "*.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tm.ExecuteText(`{{ template "__subject" . }}`, amData()); err != nil || got != "custom firing" {
		t.Fatalf("got %q, %v", got, err)
	}
}
