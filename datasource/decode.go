package datasource

import (
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/internal/intern"
)

// decoder turns a streamed /api/v1/query answer into an evaluator.Vector.
// It accepts and rejects exactly what encoding/json with Prometheus's
// client types (model.Vector, model.Scalar) would, and classifies failures
// the same way, but it reads the body once, keeps no copy of it, builds no
// map per series and takes label names and values from an intern table,
// so that a result seen before decodes without allocating.
//
// encoding/json's rules it keeps: keys of the response, data and sample
// objects match fields case-insensitively and the last duplicate wins;
// null leaves a string field as it is; a later "metric" object adds to an
// earlier one; a body that is not valid JSON, or whose top-level fields
// have the wrong type, is one error whatever it holds.
type decoder struct {
	s   scanner
	out *evaluator.Vector

	mu   *sync.Mutex // guards strs, which the client's decoders share
	strs *intern.Table

	status, errorType, errMsg string
	topTypeErr                bool // a top-level field has the wrong type
	dataSeen                  bool
	data                      dataState

	// Per sample: label names and values as offsets into arena.
	arena  []byte
	spans  []span
	labels []evaluator.Label // this sample's, in arrival order
	prev   []evaluator.Label // the previous sample's, in arrival order
	sorted []evaluator.Label
	fold   []byte
	pair   model.SamplePair
}

// dataState is what one "data" member said; a later one replaces it.
type dataState struct {
	null       bool // "data": null
	typeErr    bool // not an object, or resultType not a string
	resultType string
	resultSeen bool
	// The result read as a vector (samples in out) and as a scalar; which
	// one counts is known only once resultType is, which may come later.
	vecErr    string
	scalarErr string
	scalar    float64
}

// decode reads the answer (HTTP status, body) into out. The error is an
// *Error; on error out is left empty.
func (d *decoder) decode(status int, body io.Reader, out *evaluator.Vector) error {
	d.s.reset(body)
	d.out = out
	out.Reset()
	d.status, d.errorType, d.errMsg = "", "", ""
	d.topTypeErr, d.dataSeen, d.data = false, false, dataState{}

	ok := d.top()
	if ok {
		_, trailing := d.s.peek()
		ok = !trailing
	}
	d.s.bad = !ok
	d.s.drain()
	err := d.outcome(status)
	if d.s.rerr != nil {
		// The body could not be read in full: whatever it said, the
		// datasource failed.
		err = &Error{Type: "network", Msg: redact(d.s.rerr), Status: status, unavail: true, err: d.s.rerr}
	}
	if err != nil {
		out.Reset()
		return err
	}
	return nil
}

// outcome decides the answer once the whole body is read, in the order the
// checks of a buffered decode would make them.
func (d *decoder) outcome(status int) error {
	if d.s.bad || d.topTypeErr {
		snippet := string(d.s.head)
		if len(snippet) > snippetLen {
			snippet = snippet[:snippetLen] + "…"
		}
		return &Error{Type: "http", Msg: "unexpected response: " + snippet, Status: status, unavail: true}
	}
	if d.status != "success" {
		return apiError(status, d.status, d.errorType, d.errMsg)
	}
	dd := &d.data
	switch {
	case !d.dataSeen:
		return decodeError("response has no data")
	case dd.typeErr:
		return decodeError("data is not an object with a string resultType")
	}
	switch dd.resultType {
	case "vector":
		switch {
		case !dd.resultSeen:
			return decodeError("data has no result")
		case dd.vecErr != "":
			return decodeError(dd.vecErr)
		}
		return nil
	case "scalar":
		switch {
		case !dd.resultSeen:
			return decodeError("data has no result")
		case dd.scalarErr != "":
			return decodeError(dd.scalarErr)
		}
		d.out.Reset()
		d.out.Append(nil, dd.scalar)
		return nil
	default:
		return &Error{Type: "bad_data", Msg: fmt.Sprintf("rule result is a %q, not a vector or scalar", dd.resultType)}
	}
}

// apiError is Prometheus's own error answer (or a success-less one).
func apiError(status int, st, errorType, msg string) *Error {
	e := &Error{Type: errorType, Msg: msg, Status: status}
	switch {
	case status >= 500, status == 0 && st == "",
		errorType == "timeout", errorType == "canceled", errorType == "unavailable", errorType == "internal":
		e.unavail = true
	}
	if e.Type == "" {
		e.Type = "http"
		if e.Msg == "" {
			e.Msg = "unexpected response status " + strconv.Quote(st)
		}
	}
	return e
}

func decodeError(msg string) *Error { return &Error{Type: "decode", Msg: msg, unavail: true} }

// top reads the response object. It returns false on a syntax error.
func (d *decoder) top() bool {
	s := &d.s
	c, ok := s.peek()
	if !ok {
		return false
	}
	switch c {
	case '{':
	case 'n':
		return s.literal("null")
	default:
		d.topTypeErr = true
		return s.skip()
	}
	if !s.beginObject() {
		return false
	}
	for first := true; ; first = false {
		key, more, ok := s.key(first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		switch d.field(key, topFields[:]) {
		case 0:
			ok = d.stringField(&d.status, &d.topTypeErr)
		case 1:
			d.dataSeen, d.data = true, dataState{}
			ok = d.dataValue()
		case 2:
			ok = d.stringField(&d.errorType, &d.topTypeErr)
		case 3:
			ok = d.stringField(&d.errMsg, &d.topTypeErr)
		case 4:
			ok = d.warnings()
		default:
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
}

// stringField reads a value into a string field: null leaves it as it
// is, and anything but a string is a type error.
func (d *decoder) stringField(dst *string, typeErr *bool) bool {
	s := &d.s
	c, ok := s.peek()
	switch {
	case !ok:
		return false
	case c == '"':
		s.tmp, ok = s.str(s.tmp[:0])
		*dst = known(s.tmp)
		return ok
	case c == 'n':
		return s.literal("null")
	}
	*typeErr = true
	return s.skip()
}

// known returns b as a string, without allocating for the values every
// successful answer carries.
func known(b []byte) string {
	switch string(b) {
	case "success":
		return "success"
	case "vector":
		return "vector"
	case "scalar":
		return "scalar"
	}
	return string(b)
}

// warnings checks the type of the (ignored) warnings: null or an array of
// strings and nulls.
func (d *decoder) warnings() bool {
	s := &d.s
	c, ok := s.peek()
	switch {
	case !ok:
		return false
	case c == 'n':
		return s.literal("null")
	case c != '[':
		d.topTypeErr = true
		return s.skip()
	}
	if !s.beginArray() {
		return false
	}
	for first := true; ; first = false {
		more, ok := s.elem(first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		if c, _ := s.peek(); c != '"' && c != 'n' {
			d.topTypeErr = true
		}
		if !s.skip() {
			return false
		}
	}
}

// dataValue reads the data member: {"resultType": ..., "result": ...}.
func (d *decoder) dataValue() bool {
	s, dd := &d.s, &d.data
	c, ok := s.peek()
	switch {
	case !ok:
		return false
	case c == 'n':
		dd.null = true
		return s.literal("null")
	case c != '{':
		dd.typeErr = true
		return s.skip()
	}
	if !s.beginObject() {
		return false
	}
	for first := true; ; first = false {
		key, more, ok := s.key(first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		switch d.field(key, dataFields[:]) {
		case 0:
			ok = d.stringField(&dd.resultType, &dd.typeErr)
		case 1:
			ok = d.result()
		default:
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
}

// result reads the result member both as a vector (into out) and as a
// scalar, in one pass.
func (d *decoder) result() bool {
	s, dd := &d.s, &d.data
	d.out.Reset()
	dd.resultSeen, dd.vecErr, dd.scalarErr, dd.scalar = true, "", "", 0
	c, ok := s.peek()
	switch {
	case !ok:
		return false
	case c == 'n':
		dd.scalarErr = "scalar result is null"
		return s.literal("null")
	case c != '[':
		dd.vecErr, dd.scalarErr = "result is not an array", "result is not an array"
		return s.skip()
	}
	if !s.beginArray() {
		return false
	}
	// A scalar is [time, "value"]: the first element null or a valid
	// time, the second a string holding a float.
	var scalarText []byte
	haveText := false
	for i := 0; ; i++ {
		more, ok := s.elem(i == 0)
		if !ok {
			return false
		}
		if !more {
			break
		}
		c, ok := s.peek()
		if !ok {
			return false
		}
		if c == '{' {
			if i < 2 {
				dd.scalarErr = "scalar element is an object"
			}
			if dd.vecErr == "" {
				ok = d.sample()
			} else {
				ok = s.skip()
			}
			if !ok {
				return false
			}
			continue
		}
		if dd.vecErr == "" {
			dd.vecErr = "vector sample is not an object"
			if c == 'n' {
				dd.vecErr = "vector sample without metric"
			}
		}
		switch {
		case i == 0 && c == 'n':
			ok = s.literal("null")
		case i == 0 && (c == '-' || '0' <= c && c <= '9'):
			s.tmp, ok = s.number(s.tmp[:0])
			var t model.Time
			if ok && t.UnmarshalJSON(s.tmp) != nil {
				dd.scalarErr = "invalid scalar timestamp"
			}
		case i == 1 && c == '"':
			scalarText, ok = s.str(scalarText[:0])
			haveText = true
		case i == 1 && c == 'n':
			ok = s.literal("null")
		default:
			if i < 2 {
				dd.scalarErr = "scalar is not [time, \"value\"]"
			}
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
	if dd.scalarErr == "" {
		v, err := strconv.ParseFloat(string(scalarText), 64)
		switch {
		case !haveText:
			dd.scalarErr = "scalar has no value"
		case err != nil:
			dd.scalarErr = "scalar value: " + err.Error()
		default:
			dd.scalar = v
		}
	}
	return true
}

// release drops what a pooled decoder should not keep: references into the
// last result, and buffers grown by an unusually large value.
func (d *decoder) release() {
	d.out, d.s.r = nil, nil
	clear(d.labels[:cap(d.labels)])
	clear(d.prev[:cap(d.prev)])
	clear(d.sorted[:cap(d.sorted)])
	d.prev = d.prev[:0]
	if cap(d.s.buf) > 1<<20 {
		d.s.buf = nil
	}
	if cap(d.arena) > 1<<20 {
		d.arena = nil
	}
	if cap(d.s.tmp) > 1<<20 {
		d.s.tmp = nil
	}
}
