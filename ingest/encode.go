package ingest

import (
	"encoding/json"
	"time"
)

// outgoing is Alertmanager's postable alert as alerter sends it (to the
// leader): unset times and empty annotations are left out.
type outgoing struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     *time.Time        `json:"startsAt,omitempty"`
	EndsAt       *time.Time        `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// encode renders alerts as a JSON array of postable alerts, which Decode
// reads back as they were.
func encode(alerts []Alert) ([]byte, error) {
	out := make([]outgoing, len(alerts))
	for i, a := range alerts {
		p := outgoing{Labels: map[string]string{}, GeneratorURL: a.GeneratorURL}
		for k, v := range a.Labels {
			p.Labels[string(k)] = string(v)
		}
		if len(a.Annotations) > 0 {
			p.Annotations = map[string]string{}
			for k, v := range a.Annotations {
				p.Annotations[string(k)] = string(v)
			}
		}
		if !a.StartsAt.IsZero() {
			t := a.StartsAt
			p.StartsAt = &t
		}
		if !a.EndsAt.IsZero() {
			t := a.EndsAt
			p.EndsAt = &t
		}
		out[i] = p
	}
	return json.Marshal(out)
}
