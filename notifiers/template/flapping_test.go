package template

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// flapMessage is a message telling that one alert began flapping and
// another one, which flapped, is stable and resolved.
func flapMessage() *notifiers.Message {
	t0 := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	fl := &alert.Alert{Key: alert.Key{RuleID: "r", ID: 1}, State: alert.StateFiring, FiredAt: t0,
		Labels:      model.LabelSet{"alertname": "Flappy", "instance": "a", "severity": "warning"},
		Annotations: model.LabelSet{"summary": "a goes up and down"},
		Flap:        &alert.Flap{Since: t0.Add(time.Minute), Incident: t0.Add(time.Minute)}}
	st := &alert.Alert{Key: alert.Key{RuleID: "r", ID: 2}, State: alert.StateInactive, FiredAt: t0, ResolvedAt: t0.Add(time.Hour),
		Labels: model.LabelSet{"alertname": "Flappy", "instance": "b", "severity": "warning"}}
	return &notifiers.Message{
		Receiver: "team", GroupKey: `{}:{alertname="Flappy"}`, GroupLabels: model.LabelSet{"alertname": "Flappy"},
		Alerts:  []*alert.Alert{fl, st},
		Changes: notifiers.Changes{Flapping: []*alert.Alert{fl}, Stable: []*alert.Alert{st}, Resolved: []*alert.Alert{st}},
	}
}

// TestFlappingTexts: every default text says which alerts began
// flapping and which are stable again, and the subject says FLAPPING
// while one of the firing alerts flaps.
func TestFlappingTexts(t *testing.T) {
	tm, err := New()
	if err != nil {
		t.Fatal(err)
	}
	d := NewData(flapMessage())
	if len(d.Changes.Flapping) != 1 || !d.Changes.Flapping[0].Flapping || len(d.Alerts.Flapping()) != 1 || len(d.Changes.Stable) != 1 {
		t.Fatalf("data: %+v", d.Changes)
	}
	news := "Flapping: a goes up and down fires and resolves too often. No more notifications about it until it is stable.\n" +
		"Stable again, resolved: Flappy\n"
	for _, name := range []string{"slack.default.text", "email.default.text", "__alerter.text_alerts", "telegram.default.message", "opsgenie.default.description"} {
		got, err := tm.ExecuteText(`{{ template "`+name+`" . }}`, d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(got, news) {
			t.Errorf("%s does not tell the flap news:\n%s", name, got)
		}
		if !strings.Contains(got, "a goes up and down (flapping since 2026-03-14 15:01 UTC)") {
			t.Errorf("%s does not mark the flapping alert:\n%s", name, got)
		}
	}
	for _, name := range []string{"discord.default.message", "msteams.default.text"} {
		got, err := tm.ExecuteText(`{{ template "`+name+`" . }}`, d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(got, "**Flapping:** a goes up and down") || !strings.Contains(got, "**Stable again, resolved:** Flappy") {
			t.Errorf("%s does not tell the flap news:\n%s", name, got)
		}
	}
	html, err := tm.ExecuteHTML(`{{ template "email.default.html" . }}`, d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, "<b>Flapping:</b> a goes up and down") || !strings.Contains(html, "<b>Stable again, resolved:</b> Flappy") {
		t.Errorf("email.default.html does not tell the flap news:\n%s", html)
	}
	for _, name := range []string{"slack.default.title", "pagerduty.default.description", "email.default.subject"} {
		got, err := tm.ExecuteText(`{{ template "`+name+`" . }}`, d)
		if err != nil || !strings.HasPrefix(got, "[FIRING:1 FLAPPING] Flappy") {
			t.Errorf("%s = %q, %v", name, got, err)
		}
	}
}
