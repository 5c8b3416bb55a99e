// Package webhooksink receives Alertmanager webhook (version 4) payloads
// over HTTP, for integration tests and the demo. Tests wait for the
// notification they expect with WaitFor and simulate a receiver outage
// with Fail or SetDown.
package webhooksink

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Payload is the body of an Alertmanager webhook notification, version 4,
// field for field. Header and ReceivedAt describe the request and are not
// part of the JSON.
type Payload struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"`
	Alerts            []Alert           `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	// Escalation is alerter's addition on escalation notifications.
	Escalation *Escalation `json:"escalation,omitempty"`

	Header     http.Header `json:"-"`
	ReceivedAt time.Time   `json:"-"`
}

// Alert is one alert of a Payload, as Alertmanager's webhook sends it.
// EndsAt is zero (0001-01-01T00:00:00Z) for a firing alert.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
	// Acknowledgement is alerter's addition for acknowledged alerts.
	Acknowledgement *Acknowledgement `json:"acknowledgement,omitempty"`
	// Flapping and FlappingSince are alerter's additions for alerts that
	// fire and resolve too often (flap detection).
	Flapping      bool       `json:"flapping,omitempty"`
	FlappingSince *time.Time `json:"flappingSince,omitempty"`
}

// Escalation says which level of which escalation policy sent a payload.
type Escalation struct {
	Policy string `json:"policy"`
	Level  int    `json:"level"`
	Levels int    `json:"levels"`
	Repeat bool   `json:"repeat,omitempty"`
}

// Acknowledgement is who acknowledged an alert.
type Acknowledgement struct {
	By        string     `json:"by"`
	Comment   string     `json:"comment,omitempty"`
	At        time.Time  `json:"at"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// The statuses of a payload and of an alert.
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// Validate checks what Alertmanager guarantees of a version 4 payload, so
// that tests notice a malformed notification rather than time out on it.
// It returns every problem found, joined.
func (p *Payload) Validate() error {
	var errs []error
	if p.Version != "4" {
		errs = append(errs, fmt.Errorf("version is %q, want \"4\"", p.Version))
	}
	if p.Receiver == "" {
		errs = append(errs, errors.New("receiver is empty"))
	}
	if len(p.Alerts) == 0 {
		errs = append(errs, errors.New("no alerts"))
	}
	want := StatusResolved
	for i, a := range p.Alerts {
		switch a.Status {
		case StatusFiring:
			want = StatusFiring
		case StatusResolved:
		default:
			errs = append(errs, fmt.Errorf("alerts[%d]: status is %q, want firing or resolved", i, a.Status))
		}
		if a.Labels["alertname"] == "" {
			errs = append(errs, fmt.Errorf("alerts[%d]: no alertname label", i))
		}
	}
	if len(p.Alerts) > 0 && p.Status != want {
		errs = append(errs, fmt.Errorf("status is %q, want %q given its alerts", p.Status, want))
	}
	return errors.Join(errs...)
}

// HasAlert returns a WaitFor predicate matching a payload that holds an
// alert with the given status ("" for any) whose labels include all of
// labels.
func HasAlert(status string, labels map[string]string) func(Payload) bool {
	return func(p Payload) bool {
		for _, a := range p.Alerts {
			if status != "" && a.Status != status {
				continue
			}
			if hasLabels(a.Labels, labels) {
				return true
			}
		}
		return false
	}
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			return false
		}
	}
	return true
}
