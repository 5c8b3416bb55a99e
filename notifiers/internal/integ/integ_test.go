package integ

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

func TestNew(t *testing.T) {
	tmpl, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	opts := notifiers.IntegrationOptions{Receiver: "team", Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	off := false
	for _, tc := range []struct {
		sendResolved *bool
		want         bool
	}{{nil, true}, {&off, false}} {
		b, err := New(Settings{Name: "chat", Fields: map[string]string{"text": "{{ .Status }}"}, SendResolved: tc.sendResolved,
			UserAgent: "alerter-test"}, tmpl, opts)
		if err != nil {
			t.Fatal(err)
		}
		if b.Name() != "chat" || b.SendResolved() != tc.want || b.Client == nil || b.Tmpl != tmpl || b.Opts.Receiver != "team" {
			t.Errorf("Base = name %q, send_resolved %v (want %v), client %v", b.Name(), b.SendResolved(), tc.want, b.Client)
		}
		b.Logger.Info("hello")
		if !strings.Contains(logs.String(), "receiver=team integration=chat") {
			t.Errorf("the logger does not name the receiver and the integration: %s", logs.String())
		}
	}

	// A broken template is refused at build time, naming the integration
	// and the field.
	_, err = New(Settings{Name: "chat", Fields: map[string]string{"title": "{{ .Nope"}}, tmpl, opts)
	if err == nil || !strings.HasPrefix(err.Error(), "chat: ") || !strings.Contains(err.Error(), "title") {
		t.Errorf("New with a broken template: %v", err)
	}

	// Without a logger, logging goes nowhere.
	b, err := New(Settings{Name: "chat"}, tmpl, notifiers.IntegrationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.Logger.Info("dropped")
}
