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
	Receiver    string               `json:"receiver"`
	GroupKey    string               `json:"group_key"`
	GroupLabels wireLabels           `json:"group_labels"`
	Alerts      []wireAlert          `json:"alerts"`
	Firing      []wireAlert          `json:"changes_firing,omitempty"`
	Resolved    []wireAlert          `json:"changes_resolved,omitempty"`
	Raised      []wireAlert          `json:"changes_raised,omitempty"`
	Acked       []wireAlert          `json:"changes_acked,omitempty"`
	Flapping    []wireAlert          `json:"changes_flapping,omitempty"`
	Stable      []wireAlert          `json:"changes_stable,omitempty"`
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
	return json.Marshal(wireMessage{
		Receiver: m.Receiver, GroupKey: m.GroupKey, GroupLabels: m.GroupLabels, Alerts: toWire(m.Alerts),
		Firing: toWire(m.Changes.Firing), Resolved: toWire(m.Changes.Resolved), Raised: toWire(m.Changes.Raised),
		Acked: toWire(m.Changes.Acked), Flapping: toWire(m.Changes.Flapping), Stable: toWire(m.Changes.Stable),
		Acks: wireAcks(m.Acks), Escalation: m.Escalation,
		Repeat: m.Changes.Repeat, Digest: m.Digest, ExternalURL: m.ExternalURL, At: m.At,
	})
}

// DecodeMessage is the inverse of EncodeMessage.
func DecodeMessage(b []byte) (*Message, error) {
	var w wireMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	acks, err := acksFromWire(w.Acks)
	if err != nil {
		return nil, err
	}
	return &Message{
		Receiver: w.Receiver, GroupKey: w.GroupKey, GroupLabels: w.GroupLabels, Alerts: fromWire(w.Alerts),
		Changes: Changes{Firing: fromWire(w.Firing), Resolved: fromWire(w.Resolved), Raised: fromWire(w.Raised),
			Acked: fromWire(w.Acked), Flapping: fromWire(w.Flapping), Stable: fromWire(w.Stable), Repeat: w.Repeat},
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
