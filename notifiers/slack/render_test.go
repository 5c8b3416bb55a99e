package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/slack-go/slack"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// TestGolden compares what Slack receives, normalised (form arguments
// decoded, token left out), with testdata/<name>.golden.
func TestGolden(t *testing.T) {
	tests := []struct {
		name    string
		webhook bool
		// seeded: the group's message exists (posted by an earlier
		// notification), so the message is an update.
		seeded bool
		msg    func() *notifiers.Message
		want   string // methods called
	}{
		{
			name: "firing",
			msg:  func() *notifiers.Message { return groupMessage(nil, firing("api-1", "critical", annotations("api-1"))) },
			want: "chat.postMessage",
		},
		{
			name: "group",
			msg: func() *notifiers.Message {
				noRunbook := annotations("api-2")
				delete(noRunbook, "runbook_url")
				return groupMessage(nil,
					firing("api-1", "critical", annotations("api-1")),
					firing("api-2", "warning", noRunbook),
					firing("api-3", "", nil),
					resolved(firing("api-4", "warning", annotations("api-4"))),
					resolved(firing("api-5", "warning", nil)),
				)
			},
			want: "chat.postMessage",
		},
		{
			name:   "resolved",
			seeded: true,
			msg: func() *notifiers.Message {
				r1 := resolved(firing("api-1", "critical", annotations("api-1")))
				r2 := resolved(firing("api-2", "warning", annotations("api-2")))
				m := groupMessage(posted(), r1, r2)
				m.Changes = notifiers.Changes{Resolved: []*alert.Alert{r1, r2}}
				return m
			},
			want: "chat.update chat.postMessage",
		},
		{
			name:   "raised",
			seeded: true,
			msg: func() *notifiers.Message {
				a := firing("api-1", "critical", annotations("api-1"))
				a.SeverityRaisedAt = t0.Add(4 * time.Minute)
				m := groupMessage(posted(), a, firing("api-2", "warning", annotations("api-2")))
				m.Changes = notifiers.Changes{Raised: []*alert.Alert{a}}
				return m
			},
			want: "chat.update chat.postMessage",
		},
		{
			name:   "flapping",
			seeded: true,
			msg: func() *notifiers.Message {
				a := firing("api-1", "critical", annotations("api-1"))
				a.Flap = &alert.Flap{Since: t0.Add(3 * time.Minute), Incident: t0.Add(3 * time.Minute)}
				b := firing("api-2", "warning", annotations("api-2"))
				b.Flap = &alert.Flap{Incident: t0.Add(time.Minute)}
				m := groupMessage(posted(), a, b)
				m.Changes = notifiers.Changes{Flapping: []*alert.Alert{a}, Stable: []*alert.Alert{b}}
				return m
			},
			want: "chat.update chat.postMessage",
		},
		{
			name: "digest",
			msg:  digest,
			want: "chat.postMessage",
		},
		{
			name:    "webhook_firing",
			webhook: true,
			msg:     func() *notifiers.Message { return groupMessage(nil, firing("api-1", "critical", annotations("api-1"))) },
			want:    "webhook",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			if tt.seeded {
				f.seed(testChannelID, firstTS)
			}
			cfg := botConfig(t, f)
			if tt.webhook {
				cfg = webhookConfig(t, f)
			}
			notify(t, newNotifier(t, cfg, nil, NotifierOptions{}), tt.msg())
			calls := checkCalls(t, f)
			if got := methods(calls); got != tt.want {
				t.Errorf("calls %q, want %q", got, tt.want)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // keep Slack's <url|text> readable
			enc.SetIndent("", "  ")
			if err := enc.Encode(calls); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update creates it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("requests differ from %s (go test -update rewrites it)\ngot:\n%s", golden, got)
			}
		})
	}
}

// TestLimits renders a large group with long texts and checks that the
// message stays within Block Kit's limits, showing ten firing alerts and
// counting the rest.
func TestLimits(t *testing.T) {
	long := strings.Repeat("very long text <!channel> & more ", 400)
	var alerts []*alert.Alert
	for i := range 25 {
		a := firing(fmt.Sprintf("api-%02d", i), "critical", model.LabelSet{
			"summary": model.LabelValue(long), "description": model.LabelValue(long),
			"runbook_url": model.LabelValue("https://runbooks.example.com/" + strings.Repeat("x", 3000)),
		})
		a.Labels["pod"] = model.LabelValue(strings.Repeat("p", 2000))
		alerts = append(alerts, a, resolved(firing(fmt.Sprintf("old-%02d", i), "warning", model.LabelSet{"summary": model.LabelValue(long)})))
	}
	f := newFakeSlack(t)
	cfg := botConfig(t, f)
	cfg.Title = strings.Repeat("Title ", 100)
	cfg.Footer = long
	notify(t, newNotifier(t, cfg, nil, NotifierOptions{}), groupMessage(nil, alerts...))
	calls := checkCalls(t, f)
	if len(calls) != 1 {
		t.Fatalf("calls: %s", methods(calls))
	}
	att := calls[0].Params["attachments"].([]any)[0].(map[string]any)
	blocks := att["blocks"].([]any)
	var more, resolvedText string
	sections := 0
	for _, b := range blocks {
		b := b.(map[string]any)
		switch id := b["block_id"].(string); {
		case id == blockMore:
			more = b["text"].(map[string]any)["text"].(string)
		case id == blockResolved:
			resolvedText = b["text"].(map[string]any)["text"].(string)
		case strings.HasPrefix(id, blockAlert):
			sections++
		}
	}
	if sections != maxAlerts || !strings.Contains(more, "15 more firing alerts") {
		t.Errorf("%d alert sections, more %q", sections, more)
	}
	if !strings.Contains(resolvedText, "more_") || !strings.Contains(resolvedText, "*Resolved* (25)") {
		t.Errorf("resolved list %q", resolvedText)
	}
	if strings.Contains(string(mustJSON(t, calls[0].Params)), "<!channel>") {
		t.Error("an annotation's <!channel> reached Slack unescaped")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestActionsHook checks the hook for the interactive buttons to come.
func TestActionsHook(t *testing.T) {
	f := newFakeSlack(t)
	var saw *notifiers.Message
	n := newNotifier(t, botConfig(t, f), nil, NotifierOptions{
		Actions: func(m *notifiers.Message) []slack.BlockElement {
			saw = m
			return []slack.BlockElement{
				slack.NewButtonBlockElement("alerter_ack", m.GroupKey, plain("Acknowledge")).WithStyle(slack.StylePrimary),
				slack.NewButtonBlockElement("alerter_silence_1h", m.GroupKey, plain("Silence 1h")),
			}
		},
	})
	m := groupMessage(nil, firing("api-1", "critical", annotations("api-1")))
	notify(t, n, m)
	if saw != m {
		t.Error("hook not called with the message")
	}
	calls := checkCalls(t, f)
	att := calls[0].Params["attachments"].([]any)[0].(map[string]any)
	blocks := att["blocks"].([]any)
	last := blocks[len(blocks)-1].(map[string]any)
	if last["block_id"] != blockActions || len(last["elements"].([]any)) != 2 {
		t.Errorf("last block %v", last)
	}
}

func TestTitleAndColor(t *testing.T) {
	tests := []struct {
		name      string
		cfg       func(*Config)
		msg       *notifiers.Message
		wantColor string
		wantTitle string // block type of the title
	}{
		{"critical", nil, groupMessage(nil, firing("a", "critical", nil)), "danger", "header"},
		{"page", nil, groupMessage(nil, firing("a", "page", nil)), "danger", "header"},
		{"error", nil, groupMessage(nil, firing("a", "error", nil), firing("b", "info", nil)), "danger", "header"},
		{"warning", nil, groupMessage(nil, firing("a", "warning", nil), firing("b", "info", nil)), "warning", "header"},
		{"info", nil, groupMessage(nil, firing("a", "info", nil)), "#439FE0", "header"},
		{"unknown", nil, groupMessage(nil, firing("a", "", nil)), "danger", "header"},
		{"resolved", nil, groupMessage(nil, resolved(firing("a", "critical", nil))), "good", "header"},
		{"configured", func(c *Config) {
			c.Color = `{{ if eq .Status "firing" }}#FF0000{{ else }}#00FF00{{ end }}`
			c.TitleLink = "{{ .ExternalURL }}/groups"
		}, groupMessage(nil, firing("a", "info", nil)), "#FF0000", "section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			cfg := botConfig(t, f)
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			notify(t, newNotifier(t, cfg, nil, NotifierOptions{}), tt.msg)
			c := checkCalls(t, f)[0]
			att := c.Params["attachments"].([]any)[0].(map[string]any)
			if att["color"] != tt.wantColor {
				t.Errorf("color %v, want %s", att["color"], tt.wantColor)
			}
			title := c.Params["blocks"].([]any)[0].(map[string]any)
			if title["type"] != tt.wantTitle || title["block_id"] != blockTitle {
				t.Errorf("title block %v", title)
			}
		})
	}
}

// TestTemplateErrors: a template that fails at execution is not retried.
func TestTemplateErrors(t *testing.T) {
	f := newFakeSlack(t)
	cfg := botConfig(t, f)
	cfg.Title = `{{ template "no.such.template" . }}`
	n := newNotifier(t, cfg, nil, NotifierOptions{})
	retry, err := n.Notify(t.Context(), groupMessage(nil, firing("a", "critical", nil)))
	if err == nil || retry || !strings.Contains(err.Error(), "title") {
		t.Errorf("retry=%v err=%v", retry, err)
	}
	if calls := f.got(); len(calls) != 0 {
		t.Errorf("sent %s", methods(calls))
	}
}
