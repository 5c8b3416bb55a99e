package webhook

import (
	"fmt"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
)

// DigestGroupKeyPrefix starts the groupKey of digest payloads, followed
// by the receiver's name.
const DigestGroupKeyPrefix = "storm:"

// newDigestPayload renders a storm-control digest, which replaces the
// per-group messages of a receiver during an alert storm. It keeps the
// webhook format so that existing receivers accept it: status "firing",
// no alerts, empty group and common labels, the digest's text as
// commonAnnotations.summary, and groupKey "storm:<receiver>", which no
// group's key can equal (those start with the route's matchers, "{").
// Receivers that thread by groupKey thus keep storms in a thread of their
// own.
func newDigestPayload(m *notifiers.Message) *Payload {
	return &Payload{
		Receiver:          m.Receiver,
		Status:            "firing",
		Alerts:            []Alert{},
		GroupLabels:       map[string]string{},
		CommonLabels:      map[string]string{},
		CommonAnnotations: map[string]string{"summary": digestText(m.Digest)},
		ExternalURL:       m.ExternalURL,
		Version:           payloadVersion,
		GroupKey:          DigestGroupKeyPrefix + m.Receiver,
	}
}

// digestText summarises a digest in a few lines of plain text, in the
// order of the default templates' digest: counts, rules, labels, link.
func digestText(d *notifiers.Digest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Alert storm: %d alerts in %d groups within %s.", d.Alerts, d.Groups, model.Duration(d.Window))
	if len(d.ByRule) > 0 {
		b.WriteString("\nBy rule:")
		for _, c := range d.ByRule {
			fmt.Fprintf(&b, " %s=%d", c.Name, c.Count)
		}
	}
	if len(d.TopLabels) > 0 {
		b.WriteString("\nTop labels:")
		for _, c := range d.TopLabels {
			fmt.Fprintf(&b, " %s=%s (%d)", c.Name, c.Value, c.Count)
		}
	}
	if d.APIURL != "" {
		b.WriteString("\nAll alerts: " + d.APIURL)
	}
	return b.String()
}
