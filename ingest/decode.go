package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/common/model"
)

// Alert is one alert as a client posts it: Alertmanager's postableAlert
// (API v2), which is also the shape of its API v1 and of what Prometheus
// sends. Zero times are unset.
type Alert struct {
	Labels       model.LabelSet
	Annotations  model.LabelSet
	StartsAt     time.Time
	EndsAt       time.Time
	GeneratorURL string
}

// postable is the JSON form. Labels are decoded as plain maps, not
// model.LabelSet, whose decoder validates names with rules of its own: the
// names are checked by Validate, with Alertmanager's rules and messages.
// Unknown fields are ignored, as Alertmanager's decoder does.
type postable struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     *string           `json:"startsAt"`
	EndsAt       *string           `json:"endsAt"`
	GeneratorURL *string           `json:"generatorURL"`
}

// RequestError is a request that cannot be taken in at all (HTTP 400):
// the body is not a JSON array of alerts, or an alert has a field of the
// wrong type or format. Nothing of such a request is accepted.
type RequestError struct{ Msg string }

func (e *RequestError) Error() string { return e.Msg }

// Decode reads a JSON array of postable alerts. It checks the JSON shape
// and the formats of times and URLs, as Alertmanager's OpenAPI layer does
// before its handler runs; the rules an alert must obey (Validate) are
// checked separately, so that valid alerts of a request can be accepted
// while invalid ones are reported, as in Alertmanager.
func Decode(b []byte) ([]Alert, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, &RequestError{Msg: "alerts in body is required: send a JSON array of alerts"}
	}
	if b[0] != '[' {
		return nil, &RequestError{Msg: "the body must be a JSON array of alerts"}
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, &RequestError{Msg: "parsing alerts body failed: " + jsonError(err)}
	}
	out := make([]Alert, 0, len(raw))
	for i, r := range raw {
		a, err := decodeOne(r)
		if err != nil {
			return nil, &RequestError{Msg: fmt.Sprintf("alerts[%d]%s", i, err.Error())}
		}
		out = append(out, a)
	}
	return out, nil
}

// fieldError is a problem with one field of one alert; its text starts
// with the field's path (".labels", ".startsAt") so that Decode can put
// the alert's index in front.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func decodeOne(r json.RawMessage) (Alert, error) {
	if t := bytes.TrimSpace(r); len(t) == 0 || t[0] != '{' {
		return Alert{}, &fieldError{"", "must be a JSON object"}
	}
	var p postable
	if err := json.Unmarshal(r, &p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Alert{}, &fieldError{"." + te.Field, "must be " + jsonKind(te.Field)}
		}
		return Alert{}, &fieldError{"", jsonError(err)}
	}
	a := Alert{Labels: labelSet(p.Labels), Annotations: labelSet(p.Annotations)}
	var err error
	if a.StartsAt, err = decodeTime(p.StartsAt, "startsAt"); err != nil {
		return Alert{}, err
	}
	if a.EndsAt, err = decodeTime(p.EndsAt, "endsAt"); err != nil {
		return Alert{}, err
	}
	if p.GeneratorURL != nil {
		if _, err := url.Parse(*p.GeneratorURL); err != nil {
			return Alert{}, &fieldError{".generatorURL", fmt.Sprintf("%q is not a URI", *p.GeneratorURL)}
		}
		a.GeneratorURL = *p.GeneratorURL
	}
	return a, nil
}

// jsonKind says what a field must hold, for a type error.
func jsonKind(field string) string {
	switch field {
	case "labels", "annotations":
		return "an object of string values"
	case "startsAt", "endsAt":
		return "an RFC 3339 date-time string"
	default:
		return "a string"
	}
}

func jsonError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)
	}
	return err.Error()
}

func labelSet(m map[string]string) model.LabelSet {
	if m == nil {
		return nil
	}
	ls := make(model.LabelSet, len(m))
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

// timeLayouts are the date-time forms accepted: RFC 3339 with any
// fraction, the offset without a colon, and no offset (read as UTC), as
// go-openapi's strfmt.DateTime, which Alertmanager uses, accepts them.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
}

// decodeTime parses an optional date-time. Absent, null, "" and Go's zero
// time ("0001-01-01T00:00:00Z", which Prometheus's v1 client sends for an
// unset time) are all unset.
func decodeTime(s *string, field string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, *s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &fieldError{"." + field, fmt.Sprintf("%q is not an RFC 3339 date-time", *s)}
}
