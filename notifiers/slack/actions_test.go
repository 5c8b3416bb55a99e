package slack

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/slack-go/slack"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// decodeButton decodes the value of one of ActionButtons' buttons.
func decodeButton(t *testing.T, e slack.BlockElement) (*slack.ButtonBlockElement, []model.Fingerprint, model.LabelSet) {
	t.Helper()
	b, ok := e.(*slack.ButtonBlockElement)
	if !ok {
		t.Fatalf("element %T", e)
	}
	fps, ms, err := decodeValue(b.Value)
	if err != nil {
		t.Fatalf("%s: %v", b.ActionID, err)
	}
	return b, fps, matcherMap(t, ms)
}

func TestActionButtons(t *testing.T) {
	a1 := firing("api-1", "critical", annotations("api-1"))
	a2 := firing("api-2", "critical", nil)
	m := groupMessage(nil, a1, a2, resolved(firing("api-3", "warning", nil)))
	els := ActionButtons(m)
	if len(els) != 2 {
		t.Fatalf("%d elements", len(els))
	}
	wantFPs := []model.Fingerprint{a1.Fingerprint(), a2.Fingerprint()}
	slices.Sort(wantFPs)
	wantLabels := model.LabelSet{"alertname": "HighLatency", "job": "api", "severity": "critical"}
	for i, want := range []string{ActionAcknowledge, ActionSilence1h} {
		b, fps, labels := decodeButton(t, els[i])
		if b.ActionID != want {
			t.Errorf("element %d: action_id %q, want %q", i, b.ActionID, want)
		}
		slices.Sort(fps)
		if !slices.Equal(fps, wantFPs) {
			t.Errorf("%s: fingerprints %v, want the firing alerts' %v", want, fps, wantFPs)
		}
		if !labels.Equal(wantLabels) {
			t.Errorf("%s: matchers %v, want %v", want, labels, wantLabels)
		}
	}
	ack, silence := els[0].(*slack.ButtonBlockElement), els[1].(*slack.ButtonBlockElement)
	if ack.Style != slack.StylePrimary || ack.Text.Text != "Acknowledge" || ack.Confirm != nil {
		t.Errorf("acknowledge button %+v", ack)
	}
	if silence.Text.Text != "Silence 1h" || silence.Confirm == nil ||
		!strings.Contains(silence.Confirm.Text.Text, `{alertname="HighLatency",job="api",severity="critical"}`) {
		t.Errorf("silence button %+v, confirm %+v", silence, silence.Confirm)
	}
}

func TestActionButtonsNone(t *testing.T) {
	tests := map[string]*notifiers.Message{
		"nil":      nil,
		"digest":   digest(),
		"resolved": groupMessage(nil, resolved(firing("api-1", "critical", nil)), resolved(firing("api-2", "critical", nil))),
	}
	for name, m := range tests {
		if els := ActionButtons(m); els != nil {
			t.Errorf("%s: %d elements, want none", name, len(els))
		}
	}
}

// TestActionButtonsNoCommonLabels: a group of unrelated alerts (group_by
// nothing) has no label to silence it with, only alerts to acknowledge.
func TestActionButtonsNoCommonLabels(t *testing.T) {
	a := &alert.Alert{Labels: model.LabelSet{"alertname": "A"}, State: alert.StateFiring}
	b := &alert.Alert{Labels: model.LabelSet{"alertname": "B"}, State: alert.StateFiring}
	m := &notifiers.Message{GroupKey: "{}:{}", GroupLabels: model.LabelSet{}, Alerts: []*alert.Alert{a, b}}
	els := ActionButtons(m)
	if len(els) != 1 {
		t.Fatalf("%d elements, want the Acknowledge button only", len(els))
	}
	btn, fps, labels := decodeButton(t, els[0])
	if btn.ActionID != ActionAcknowledge || len(fps) != 2 || len(labels) != 0 {
		t.Errorf("%s: %v, %v", btn.ActionID, fps, labels)
	}
}

// TestActionButtonsLargeGroup: 150 alerts' fingerprints do not fit in a
// value; the matchers do.
func TestActionButtonsLargeGroup(t *testing.T) {
	var alerts []*alert.Alert
	for i := range 150 {
		alerts = append(alerts, firing(fmt.Sprintf("api-%03d", i), "warning", nil))
	}
	els := ActionButtons(groupMessage(nil, alerts...))
	if len(els) != 2 {
		t.Fatalf("%d elements", len(els))
	}
	for _, e := range els {
		b, fps, labels := decodeButton(t, e)
		if len(b.Value) > maxValue || len(fps) != 0 || labels["alertname"] != "HighLatency" || labels["job"] != "api" {
			t.Errorf("%s: %d bytes, %d fingerprints, %v", b.ActionID, len(b.Value), len(fps), labels)
		}
	}
}

// TestActionButtonsRendered sends a notification in bot mode through the
// fake Slack, which checks the buttons as Slack would, and finds them in
// the actions block; in webhook mode the hook is ignored.
func TestActionButtonsRendered(t *testing.T) {
	a1 := firing("api-1", "critical", annotations("api-1"))
	m := groupMessage(nil, a1)
	msg := sentMessage(t, m)
	var ids []string
	for _, b := range allBlocks(msg) {
		if b["block_id"] != blockActions {
			continue
		}
		for _, e := range b["elements"].([]any) {
			e := e.(map[string]any)
			ids = append(ids, e["action_id"].(string))
			fps, ms, err := decodeValue(e["value"].(string))
			if err != nil || !slices.Equal(fps, []model.Fingerprint{a1.Fingerprint()}) || len(ms) != 4 {
				t.Errorf("%s: value %v, %s, %v", e["action_id"], fps, ms, err)
			}
		}
	}
	if !slices.Equal(ids, []string{ActionAcknowledge, ActionSilence1h}) {
		t.Errorf("buttons %v", ids)
	}

	f := newFakeSlack(t)
	notify(t, newNotifier(t, webhookConfig(t, f), nil, NotifierOptions{Actions: ActionButtons}), m)
	calls := checkCalls(t, f)
	if len(calls) != 1 {
		t.Fatalf("calls %s", methods(calls))
	}
	for _, b := range allBlocks(calls[0].Params) {
		if b["block_id"] == blockActions {
			t.Errorf("webhook message has buttons: %v", b)
		}
	}
}
