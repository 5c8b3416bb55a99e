package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// TestAcknowledgedAndEscalatedRendering: an acknowledged alert shows who
// acknowledged it, the Acknowledge button goes once all are acknowledged,
// escalation messages say so, and the thread reply names the acker.
func TestAcknowledgedAndEscalatedRendering(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil, NotifierOptions{Actions: ActionButtons})
	a := firing("api-1", "critical", annotations("api-1"))
	b := firing("api-2", "critical", annotations("api-2"))

	first := groupMessage(nil, a, b)
	first.Escalation = &notifiers.Escalation{Policy: "oncall", Level: 2, Levels: 3}
	notify(t, n, first)

	acked := groupMessage(first.State, a, b)
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	acked.Acks = map[model.Fingerprint]alert.Ack{
		a.Fingerprint(): {ID: "k1", By: "alice", Comment: "restarting", At: at},
		b.Fingerprint(): {ID: "k1", By: "alice", Comment: "restarting", At: at},
	}
	acked.Changes = notifiers.Changes{Acked: []*alert.Alert{a, b}}
	notify(t, n, acked)

	calls := checkCalls(t, f)
	if got := methods(calls); got != "chat.postMessage chat.update chat.postMessage" {
		t.Fatalf("calls %s", got)
	}
	post, update, reply := calls[0], calls[1], calls[2]
	if s := jsonParam(t, post, "attachments"); !strings.Contains(s, "Escalated: level 2 of 3 (oncall)") || !strings.Contains(s, `"action_id":"alerter_ack"`) {
		t.Errorf("escalation message: %s", s)
	}
	s := jsonParam(t, update, "attachments")
	for _, want := range []string{"Acknowledged by alice", "restarting", `"block_id":"alerter_ack_` + a.Fingerprint().String() + `"`} {
		if !strings.Contains(s, want) {
			t.Errorf("updated message lacks %q: %s", want, s)
		}
	}
	if strings.Contains(s, `"action_id":"alerter_ack"`) || !strings.Contains(s, `"action_id":"alerter_silence_1h"`) {
		t.Errorf("all acknowledged: want only the Silence button: %s", s)
	}
	if text := param(reply, "text"); !strings.Contains(text, "acknowledged by *alice*") {
		t.Errorf("thread reply %q", text)
	}
}

// jsonParam renders a call's structured argument as JSON, for searching.
func jsonParam(t *testing.T, c apiCall, key string) string {
	t.Helper()
	b, err := json.Marshal(c.Params[key])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
