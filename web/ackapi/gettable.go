package ackapi

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/matcher"
)

// gettableAck is an acknowledgement as the API shows it.
type gettableAck struct {
	ID        string               `json:"id"`
	CreatedBy string               `json:"createdBy"`
	Comment   string               `json:"comment"`
	CreatedAt time.Time            `json:"createdAt"`
	ExpiresAt *time.Time           `json:"expiresAt,omitempty"`
	Status    string               `json:"status"`
	Matchers  []matcher.APIMatcher `json:"matchers,omitempty"`
	Alerts    []ackedAlert         `json:"alerts"`
}

type ackedAlert struct {
	Fingerprint string         `json:"fingerprint"`
	Labels      model.LabelSet `json:"labels,omitempty"`
	FiredAt     time.Time      `json:"firedAt"`
	// Acknowledged says whether this acknowledgement still holds for it.
	Acknowledged bool `json:"acknowledged"`
}

func toGettable(k *ack.Ack, cur []*alert.Alert, now time.Time) gettableAck {
	g := gettableAck{
		ID: k.ID, CreatedBy: k.By, Comment: k.Comment, CreatedAt: k.At,
		Status: k.Status(cur, now), Alerts: []ackedAlert{},
	}
	if !k.ExpiresAt.IsZero() {
		t := k.ExpiresAt
		g.ExpiresAt = &t
	}
	for _, m := range k.Matchers {
		g.Matchers = append(g.Matchers, matcher.FromMatcher(m))
	}
	byKey := make(map[alert.Key]*alert.Alert, len(cur))
	for _, a := range cur {
		byKey[a.Key] = a
	}
	for _, t := range k.Targets {
		aa := ackedAlert{Fingerprint: t.Fingerprint.String(), FiredAt: t.FiredAt}
		if a := byKey[t.Key]; a != nil {
			aa.Labels = a.Labels
			aa.Acknowledged = k.Covers(a, now)
		}
		g.Alerts = append(g.Alerts, aa)
	}
	return g
}
