package ackapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/web/internal/envelope"
)

// postableAck is the body of a POST. Exactly one of Fingerprints (or
// Fingerprint), Matchers and Filter selects the alerts.
type postableAck struct {
	Fingerprint  string               `json:"fingerprint"`
	Fingerprints []string             `json:"fingerprints"`
	Matchers     []matcher.APIMatcher `json:"matchers"`
	// Filter are matcher strings (`alertname="X"`, `env=~"prod|stage"`).
	Filter    []string `json:"filter"`
	CreatedBy string   `json:"createdBy"`
	Comment   string   `json:"comment"`
	// ExpiresAt (RFC 3339) or Duration (Prometheus duration, "30m") set
	// an expiry; neither means until the alert resolves.
	ExpiresAt string `json:"expiresAt"`
	Duration  string `json:"duration"`
}

// selector is what a POST selected alerts by.
type selector struct {
	fps      map[model.Fingerprint]bool
	matchers matcher.Matchers
}

func (s *selector) describe() string {
	if s.fps != nil {
		var fps []string
		for fp := range s.fps {
			fps = append(fps, fp.String())
		}
		return "fingerprint " + strings.Join(fps, ", ")
	}
	return s.matchers.String()
}

// decodeRequest parses and checks a POST body. Errors say which field is
// wrong and how.
func decodeRequest(b []byte, now time.Time) (ack.Request, *selector, error) {
	var p postableAck
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return ack.Request{}, nil, fmt.Errorf("body is not a valid acknowledgement: %s", envelope.DescribeJSONError(err))
	}
	if dec.More() {
		return ack.Request{}, nil, errors.New("body has data after the acknowledgement object")
	}
	req := ack.Request{By: p.CreatedBy, Comment: p.Comment}
	if strings.TrimSpace(p.CreatedBy) == "" {
		return req, nil, errors.New("createdBy: who acknowledges is required")
	}
	switch {
	case p.ExpiresAt != "" && p.Duration != "":
		return req, nil, errors.New("expiresAt and duration: set at most one")
	case p.ExpiresAt != "":
		t, err := time.Parse(time.RFC3339Nano, p.ExpiresAt)
		if err != nil {
			return req, nil, fmt.Errorf("expiresAt: not an RFC 3339 time: %q", p.ExpiresAt)
		}
		if !t.After(now) {
			return req, nil, errors.New("expiresAt: must be in the future")
		}
		req.ExpiresAt = t
	case p.Duration != "":
		d, err := model.ParseDuration(p.Duration)
		if err != nil || d <= 0 {
			return req, nil, fmt.Errorf("duration: %q is not a positive duration such as \"30m\" or \"2h\" (at most 292y; for longer, give expiresAt)", p.Duration)
		}
		req.ExpiresAt = now.Add(time.Duration(d))
	}
	if p.Fingerprint != "" {
		p.Fingerprints = append(p.Fingerprints, p.Fingerprint)
	}
	set := 0
	for _, n := range []int{len(p.Fingerprints), len(p.Matchers), len(p.Filter)} {
		if n > 0 {
			set++
		}
	}
	if set != 1 {
		return req, nil, errors.New("select the alerts with exactly one of fingerprint(s), matchers or filter")
	}
	sel := &selector{}
	if len(p.Fingerprints) > 0 {
		sel.fps = map[model.Fingerprint]bool{}
		for i, s := range p.Fingerprints {
			fp, err := model.ParseFingerprint(s)
			if err != nil {
				return req, nil, fmt.Errorf("fingerprints[%d]: not a fingerprint: %q", i, s)
			}
			sel.fps[fp] = true
		}
		return req, sel, nil
	}
	for i, am := range p.Matchers {
		m, err := am.ToMatcher()
		if err != nil {
			return req, nil, fmt.Errorf("matchers[%d]: %v", i, err)
		}
		sel.matchers = append(sel.matchers, m)
	}
	for i, f := range p.Filter {
		ms, err := matcher.Parse(f)
		if err != nil {
			return req, nil, fmt.Errorf("filter[%d]: %v", i, err)
		}
		sel.matchers = append(sel.matchers, ms...)
	}
	if len(sel.matchers) == 0 {
		return req, nil, errors.New("matchers: at least one matcher is required")
	}
	req.Matchers = sel.matchers
	return req, sel, nil
}
