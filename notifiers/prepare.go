package notifiers

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
)

// digestGroupKeyPrefix, followed by the receiver's name, stands for the
// group key of storm-control digests.
const digestGroupKeyPrefix = "storm:"

// ForIntegration returns the message an integration should send, or nil
// when there is nothing to send: no alerts, or only resolved ones with
// send_resolved off. The copy names the receiver and alerter's URL from
// opts when m lacks them. m itself is not changed.
func (m *Message) ForIntegration(sendResolved bool, opts IntegrationOptions) *Message {
	if m == nil {
		return nil
	}
	c := *m
	if c.Digest == nil {
		if !sendResolved {
			c.Alerts = m.Firing()
		}
		if len(c.Alerts) == 0 {
			return nil
		}
	}
	c.Receiver = cmp.Or(c.Receiver, opts.Receiver)
	c.ExternalURL = cmp.Or(c.ExternalURL, opts.ExternalURL)
	return &c
}

// IncidentKey is the group key that services deduplicating by a key
// (PagerDuty's dedup_key, Opsgenie's alias, VictorOps's entity_id) see for
// m: the group key, or "storm:<receiver>" for a storm-control digest, so
// that repeated digests of a storm land in one incident.
func (m *Message) IncidentKey() string {
	if m.Digest != nil {
		return digestGroupKeyPrefix + m.Receiver
	}
	return m.GroupKey
}

// HashKey is the lower-case hex SHA-256 of a group key, as Alertmanager
// computes the keys it gives PagerDuty, Opsgenie and VictorOps: it fits
// their length limits whatever the group labels, stays the same across
// messages and restarts, differs between groups, and matches what
// Alertmanager sent for the same group.
func HashKey(groupKey string) string {
	sum := sha256.Sum256([]byte(groupKey))
	return hex.EncodeToString(sum[:])
}
