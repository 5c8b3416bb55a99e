package notifiers

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// The outbox stores messages as JSON. wireAlert spells the value as a
// string, since JSON has no NaN or infinities.
type wireAlert struct {
	RuleID           string            `json:"rule_id"`
	ID               model.Fingerprint `json:"id"`
	Labels           wireLabels        `json:"labels"`
	Annotations      wireLabels        `json:"annotations"`
	State            alert.State       `json:"state"`
	Value            string            `json:"value"`
	GeneratorURL     string            `json:"generator_url,omitempty"`
	ActiveAt         time.Time         `json:"active_at"`
	FiredAt          time.Time         `json:"fired_at"`
	ResolvedAt       time.Time         `json:"resolved_at"`
	SeverityRaisedAt time.Time         `json:"severity_raised_at"`
	// FlappingSince and IncidentStart are set on flapping alerts (and
	// IncidentStart on those whose flap ended while they fire on).
	FlappingSince time.Time `json:"flapping_since,omitzero"`
	IncidentStart time.Time `json:"incident_start,omitzero"`
}

// wireLabels is a label set as the outbox holds it: model.LabelSet's
// layout without its UnmarshalJSON, which scans each set twice and checks
// names that alerter itself wrote (a storm's message holds thousands).
type wireLabels = map[model.LabelName]model.LabelValue

type wireMessage struct {
	Receiver    string      `json:"receiver"`
	GroupKey    string      `json:"group_key"`
	GroupLabels wireLabels  `json:"group_labels"`
	Alerts      []wireAlert `json:"alerts"`
	// A change list is written as the indexes of its alerts in Alerts
	// (…_at) when they are all there, as they are in every message the
	// dispatcher builds, so that a storm's message does not carry each
	// alert twice; otherwise, and in messages written before, in full.
	Firing     []wireAlert `json:"changes_firing,omitempty"`
	FiringAt   []int       `json:"changes_firing_at,omitempty"`
	Resolved   []wireAlert `json:"changes_resolved,omitempty"`
	ResolvedAt []int       `json:"changes_resolved_at,omitempty"`
	Raised     []wireAlert `json:"changes_raised,omitempty"`
	RaisedAt   []int       `json:"changes_raised_at,omitempty"`
	Acked      []wireAlert `json:"changes_acked,omitempty"`
	AckedAt    []int       `json:"changes_acked_at,omitempty"`
	Flapping   []wireAlert `json:"changes_flapping,omitempty"`
	FlappingAt []int       `json:"changes_flapping_at,omitempty"`
	Stable     []wireAlert `json:"changes_stable,omitempty"`
	StableAt   []int       `json:"changes_stable_at,omitempty"`

	Acks        map[string]alert.Ack `json:"acks,omitempty"`
	Escalation  *Escalation          `json:"escalation,omitempty"`
	Repeat      bool                 `json:"changes_repeat,omitempty"`
	Digest      *Digest              `json:"digest,omitempty"`
	ExternalURL string               `json:"external_url,omitempty"`
	At          time.Time            `json:"at"`
}

func toWire(as []*alert.Alert) []wireAlert {
	out := make([]wireAlert, len(as))
	for i, a := range as {
		out[i] = wireAlert{
			RuleID: a.Key.RuleID, ID: a.Key.ID, Labels: a.Labels, Annotations: a.Annotations, State: a.State,
			Value: strconv.FormatFloat(a.Value, 'g', -1, 64), GeneratorURL: a.GeneratorURL,
			ActiveAt: a.ActiveAt, FiredAt: a.FiredAt, ResolvedAt: a.ResolvedAt, SeverityRaisedAt: a.SeverityRaisedAt,
			FlappingSince: a.FlappingSince(),
		}
		if a.Flap != nil {
			out[i].IncidentStart = a.Flap.Incident
		}
	}
	return out
}

func fromWire(ws []wireAlert) []*alert.Alert {
	out := make([]*alert.Alert, len(ws))
	for i, w := range ws {
		v, _ := strconv.ParseFloat(w.Value, 64)
		out[i] = &alert.Alert{
			Key: alert.Key{RuleID: w.RuleID, ID: w.ID}, Labels: w.Labels, Annotations: w.Annotations, State: w.State,
			Value: v, GeneratorURL: w.GeneratorURL, ActiveAt: w.ActiveAt, FiredAt: w.FiredAt, ResolvedAt: w.ResolvedAt,
			SeverityRaisedAt: w.SeverityRaisedAt,
		}
		if !w.FlappingSince.IsZero() || !w.IncidentStart.IsZero() {
			// What rendering needs of the flap history.
			out[i].Flap = &alert.Flap{Since: w.FlappingSince, Incident: w.IncidentStart}
		}
	}
	return out
}

// EncodeMessage serialises a message for the outbox (State is not part of
// it: it is stored per group, apart).
func EncodeMessage(m *Message) ([]byte, error) {
	w := wireMessage{
		Receiver: m.Receiver, GroupKey: m.GroupKey, GroupLabels: m.GroupLabels, Alerts: toWire(m.Alerts),
		Acks: wireAcks(m.Acks), Escalation: m.Escalation,
		Repeat: m.Changes.Repeat, Digest: m.Digest, ExternalURL: m.ExternalURL, At: m.At,
	}
	var index map[*alert.Alert]int
	if len(m.Alerts) > 0 {
		index = make(map[*alert.Alert]int, len(m.Alerts))
		for i, a := range m.Alerts {
			index[a] = i
		}
	}
	c := &m.Changes
	w.Firing, w.FiringAt = changeToWire(c.Firing, index)
	w.Resolved, w.ResolvedAt = changeToWire(c.Resolved, index)
	w.Raised, w.RaisedAt = changeToWire(c.Raised, index)
	w.Acked, w.AckedAt = changeToWire(c.Acked, index)
	w.Flapping, w.FlappingAt = changeToWire(c.Flapping, index)
	w.Stable, w.StableAt = changeToWire(c.Stable, index)
	return json.Marshal(w)
}

// changeToWire writes a change list as the indexes of its alerts in the
// message's alerts when each of them is there, else in full.
func changeToWire(as []*alert.Alert, index map[*alert.Alert]int) ([]wireAlert, []int) {
	if len(as) == 0 {
		return nil, nil
	}
	at := make([]int, len(as))
	for i, a := range as {
		j, ok := index[a]
		if !ok {
			return toWire(as), nil
		}
		at[i] = j
	}
	return nil, at
}

// DecodeMessage is the inverse of EncodeMessage. A change list written as
// indexes holds the same alerts as Alerts, as the encoded message did.
func DecodeMessage(b []byte) (*Message, error) {
	var w wireMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	acks, err := acksFromWire(w.Acks)
	if err != nil {
		return nil, err
	}
	alerts := fromWire(w.Alerts)
	var c Changes
	for _, l := range []struct {
		dst  *[]*alert.Alert
		full []wireAlert
		at   []int
		name string
	}{
		{&c.Firing, w.Firing, w.FiringAt, "firing"},
		{&c.Resolved, w.Resolved, w.ResolvedAt, "resolved"},
		{&c.Raised, w.Raised, w.RaisedAt, "raised"},
		{&c.Acked, w.Acked, w.AckedAt, "acked"},
		{&c.Flapping, w.Flapping, w.FlappingAt, "flapping"},
		{&c.Stable, w.Stable, w.StableAt, "stable"},
	} {
		*l.dst = fromWire(l.full)
		for _, i := range l.at {
			if i < 0 || i >= len(alerts) {
				return nil, fmt.Errorf("changes_%s_at: index %d of %d alerts", l.name, i, len(alerts))
			}
			*l.dst = append(*l.dst, alerts[i])
		}
	}
	c.Repeat = w.Repeat
	return &Message{
		Receiver: w.Receiver, GroupKey: w.GroupKey, GroupLabels: w.GroupLabels, Alerts: alerts,
		Changes:     c,
		Acks:        acks,
		Escalation:  w.Escalation,
		Digest:      w.Digest,
		ExternalURL: w.ExternalURL,
		At:          w.At,
		State:       map[string]string{},
	}, nil
}

func wireAcks(m map[model.Fingerprint]alert.Ack) map[string]alert.Ack {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]alert.Ack, len(m))
	for fp, k := range m {
		out[fp.String()] = k
	}
	return out
}

func acksFromWire(m map[string]alert.Ack) (map[model.Fingerprint]alert.Ack, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[model.Fingerprint]alert.Ack, len(m))
	for s, k := range m {
		fp, err := model.ParseFingerprint(s)
		if err != nil {
			return nil, fmt.Errorf("acknowledged alert %q: %w", s, err)
		}
		out[fp] = k
	}
	return out, nil
}
