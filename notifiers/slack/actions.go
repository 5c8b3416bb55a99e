package slack

import (
	"github.com/prometheus/common/model"
	"github.com/slack-go/slack"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// Action IDs of the interactive buttons, which the interaction handler
// acts on.
const (
	// ActionAcknowledge acknowledges the message's firing alerts.
	ActionAcknowledge = "alerter_ack"
	// ActionSilence1h silences the message's group for an hour.
	ActionSilence1h = "alerter_silence_1h"
)

// Block IDs of what the interaction handler writes into a message in
// place of the buttons.
const (
	blockAcked    = "alerter_acked"
	blockSilenced = "alerter_silenced"
)

// Confirmation dialog limits of Block Kit, in characters.
const (
	maxConfirmTitle = 100
	maxConfirmText  = 300
)

// ActionButtons returns the Acknowledge and Silence 1h buttons for a
// message with firing alerts (Acknowledge only while one is not yet
// acknowledged), and nothing for digests and messages whose alerts have
// all resolved. Pass it as NotifierOptions.Actions (bot mode)
// when an InteractionHandler serves the Slack app's interactivity URL.
//
// Each button's value names what to act on (see buttonValue): the firing
// alerts' fingerprints and equality matchers for their common labels,
// which include the group's labels. When a group is too large for
// Slack's 2,000 characters, the Acknowledge button relies on the matchers
// alone; a Silence button is only added when at least one matcher is left
// to silence with.
func ActionButtons(m *notifiers.Message) []slack.BlockElement {
	if m == nil || m.Digest != nil {
		return nil
	}
	firing := m.Firing()
	if len(firing) == 0 {
		return nil
	}
	fps := make([]model.Fingerprint, len(firing))
	for i, a := range firing {
		fps[i] = a.Fingerprint()
	}
	value, withFingerprints, matchers := encodeValue(fps, silenceLabels(m.GroupLabels, firing))
	var buttons []slack.BlockElement
	if (withFingerprints || matchers > 0) && !m.AllAcknowledged() {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionAcknowledge, value, plain("Acknowledge")).
			WithStyle(slack.StylePrimary))
	}
	if matchers > 0 {
		_, ms, err := decodeValue(value)
		if err != nil { // never: encodeValue makes what decodeValue reads
			return buttons
		}
		text := "Alerts matching " + ms.String() + " will not be notified for 1 hour."
		buttons = append(buttons, slack.NewButtonBlockElement(ActionSilence1h, value, plain("Silence 1h")).
			WithConfirm(slack.NewConfirmationBlockObject(
				plain(truncate("Silence for 1 hour?", maxConfirmTitle)),
				plain(truncate(text, maxConfirmText)),
				plain("Silence"), plain("Cancel"))))
	}
	return buttons
}

// silenceLabels are the labels every firing alert has with the same value
// and the group's labels: what identifies the group, to silence it.
func silenceLabels(group model.LabelSet, firing []*alert.Alert) model.LabelSet {
	out := model.LabelSet{}
	for name, value := range firing[0].Labels {
		same := true
		for _, a := range firing[1:] {
			if a.Labels[name] != value {
				same = false
				break
			}
		}
		if same {
			out[name] = value
		}
	}
	for name, value := range group {
		if _, ok := out[name]; !ok {
			out[name] = value
		}
	}
	return out
}
