package codec

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
)

// silenceRecord is a silence as stored: JSON with the matchers in the
// Alertmanager v2 API's shape, so that a row reads like the API's silence.
type silenceRecord struct {
	ID            string               `json:"id"`
	Matchers      []matcher.APIMatcher `json:"matchers"`
	StartsAt      time.Time            `json:"startsAt"`
	EndsAt        time.Time            `json:"endsAt"`
	UpdatedAt     time.Time            `json:"updatedAt"`
	CreatedBy     string               `json:"createdBy"`
	Comment       string               `json:"comment"`
	UntilResolved bool                 `json:"untilResolved,omitempty"`
	MatchedOnce   bool                 `json:"matchedOnce,omitempty"`
}

// EncodeSilence returns the stored JSON of s.
func EncodeSilence(s *silence.Silence) ([]byte, error) {
	r := silenceRecord{
		ID:            s.ID,
		Matchers:      make([]matcher.APIMatcher, 0, len(s.Matchers)),
		StartsAt:      s.StartsAt,
		EndsAt:        s.EndsAt,
		UpdatedAt:     s.UpdatedAt,
		CreatedBy:     s.CreatedBy,
		Comment:       s.Comment,
		UntilResolved: s.UntilResolved,
		MatchedOnce:   s.MatchedOnce,
	}
	for i, m := range s.Matchers {
		if m == nil {
			return nil, fmt.Errorf("matcher %d is missing", i)
		}
		r.Matchers = append(r.Matchers, matcher.FromMatcher(m))
	}
	return json.Marshal(r)
}

// DecodeSilence is the inverse of EncodeSilence; times come back in UTC.
func DecodeSilence(b []byte) (*silence.Silence, error) {
	var r silenceRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	s := &silence.Silence{
		ID:            r.ID,
		Matchers:      make(matcher.Matchers, 0, len(r.Matchers)),
		StartsAt:      r.StartsAt.UTC(),
		EndsAt:        r.EndsAt.UTC(),
		UpdatedAt:     r.UpdatedAt.UTC(),
		CreatedBy:     r.CreatedBy,
		Comment:       r.Comment,
		UntilResolved: r.UntilResolved,
		MatchedOnce:   r.MatchedOnce,
	}
	for i, am := range r.Matchers {
		m, err := am.ToMatcher()
		if err != nil {
			return nil, fmt.Errorf("matcher %d: %w", i, err)
		}
		s.Matchers = append(s.Matchers, m)
	}
	return s, nil
}

// ackRecord is an acknowledgement as stored.
type ackRecord struct {
	alert.Ack
	Matchers []matcher.APIMatcher `json:"matchers,omitempty"`
	Targets  []ackTarget          `json:"targets"`
	EndedAt  time.Time            `json:"ended_at,omitzero"`
}

type ackTarget struct {
	RuleID      string            `json:"rule_id"`
	ID          model.Fingerprint `json:"id"`
	Fingerprint model.Fingerprint `json:"fingerprint"`
	FiredAt     time.Time         `json:"fired_at"`
}

// EncodeAck returns the stored JSON of a.
func EncodeAck(a *ack.Ack) ([]byte, error) {
	r := ackRecord{Ack: a.Ack, EndedAt: a.EndedAt, Targets: make([]ackTarget, 0, len(a.Targets))}
	for _, m := range a.Matchers {
		r.Matchers = append(r.Matchers, matcher.FromMatcher(m))
	}
	for _, t := range a.Targets {
		r.Targets = append(r.Targets, ackTarget{RuleID: t.Key.RuleID, ID: t.Key.ID, Fingerprint: t.Fingerprint, FiredAt: t.FiredAt})
	}
	return json.Marshal(r)
}

// DecodeAck is the inverse of EncodeAck; times come back in UTC.
func DecodeAck(b []byte) (*ack.Ack, error) {
	var r ackRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	a := &ack.Ack{Ack: r.Ack, EndedAt: r.EndedAt}
	a.At = a.At.UTC()
	if !a.ExpiresAt.IsZero() {
		a.ExpiresAt = a.ExpiresAt.UTC()
	}
	for i, am := range r.Matchers {
		m, err := am.ToMatcher()
		if err != nil {
			return nil, fmt.Errorf("matcher %d: %w", i, err)
		}
		a.Matchers = append(a.Matchers, m)
	}
	for _, t := range r.Targets {
		a.Targets = append(a.Targets, ack.Target{Key: alert.Key{RuleID: t.RuleID, ID: t.ID}, Fingerprint: t.Fingerprint, FiredAt: t.FiredAt.UTC()})
	}
	return a, nil
}

// windowRecord is a maintenance window as stored.
type windowRecord struct {
	Name      string               `json:"name"`
	Schedule  string               `json:"schedule"`
	Duration  model.Duration       `json:"duration"`
	TimeZone  string               `json:"timeZone,omitempty"`
	Matchers  []matcher.APIMatcher `json:"matchers"`
	CreatedBy string               `json:"createdBy,omitempty"`
	Comment   string               `json:"comment,omitempty"`
}

// EncodeWindow returns the stored JSON of a maintenance window.
func EncodeWindow(w silence.Window) ([]byte, error) {
	r := windowRecord{Name: w.Name, Schedule: w.Schedule, Duration: w.Duration, TimeZone: w.TimeZone,
		CreatedBy: w.CreatedBy, Comment: w.Comment, Matchers: []matcher.APIMatcher{}}
	for _, m := range w.Matchers {
		r.Matchers = append(r.Matchers, matcher.FromMatcher(m))
	}
	return json.Marshal(r)
}

// DecodeWindow is the inverse of EncodeWindow.
func DecodeWindow(b []byte) (silence.Window, error) {
	var r windowRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return silence.Window{}, err
	}
	w := silence.Window{Name: r.Name, Schedule: r.Schedule, Duration: r.Duration, TimeZone: r.TimeZone,
		CreatedBy: r.CreatedBy, Comment: r.Comment}
	for i, am := range r.Matchers {
		m, err := am.ToMatcher()
		if err != nil {
			return silence.Window{}, fmt.Errorf("maintenance window %q matcher %d: %w", r.Name, i, err)
		}
		w.Matchers = append(w.Matchers, m)
	}
	return w, nil
}

// EncodeFingerprints returns the notification log's JSON array of
// fingerprints; nil is stored as [].
func EncodeFingerprints(fps []uint64) string {
	if fps == nil {
		fps = []uint64{}
	}
	b, _ := json.Marshal(fps) // a []uint64 always marshals
	return string(b)
}

// DecodeFingerprints is the inverse of EncodeFingerprints.
func DecodeFingerprints(b []byte) ([]uint64, error) {
	var out []uint64
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// EncodeIntegrationState returns the stored JSON of an integration's state
// for a group.
func EncodeIntegrationState(st map[string]string) string {
	b, _ := json.Marshal(st) // a map[string]string always marshals
	return string(b)
}

// DecodeIntegrationState is the inverse of EncodeIntegrationState; it never
// returns a nil map.
func DecodeIntegrationState(b []byte) (map[string]string, error) {
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}
