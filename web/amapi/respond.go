package amapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Alertmanager's API answers errors in two shapes, and so does this one:
// its handlers' own errors (a 400 for an invalid silence, a 500) are a JSON
// string, the payload its OpenAPI spec declares for them; errors found
// before a handler runs (a body that is not JSON, a missing required field,
// an unknown path) are go-openapi's {"code": …, "message": …} object, where
// code is the HTTP status or, for a missing field, 602 with status 422.

// codeRequired is go-openapi's code for a missing required value, answered
// with 422 Unprocessable Entity.
const codeRequired = 602

// codeTooShort is go-openapi's code for an array with fewer items than the
// schema's minItems, answered with 422.
const codeTooShort = 604

type codeError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	// As go-openapi's producer: "<secret>" stays readable.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeMessage writes a handler error: a JSON string.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, msg)
}

// writeCodeError writes a go-openapi style error object.
func writeCodeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, codeError{Code: code, Message: msg})
}

// apiTime is a timestamp as Alertmanager writes it (go-openapi's
// strfmt.DateTime): UTC, RFC 3339 with milliseconds.
type apiTime time.Time

const apiTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON writes the time as Alertmanager does.
func (t apiTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).UTC().Format(apiTimeLayout))
}

// UnmarshalJSON reads any form parseTime accepts.
func (t *apiTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, ok := parseTime(s)
	if !ok {
		return fmt.Errorf("%q is not a date-time", s)
	}
	*t = apiTime(v)
	return nil
}

// timeLayouts are the forms of date-time accepted in request bodies:
// RFC 3339 with any fraction (what amtool, Grafana and curl users send),
// the offset without a colon, and no offset at all (read as UTC), as
// go-openapi's strfmt.DateTime accepts them.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
}

func parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
