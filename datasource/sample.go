package datasource

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/evaluator"
)

// span locates one label's name and value in the decoder's arena.
type span struct{ name, nameEnd, value, valueEnd int }

// sample reads one vector sample: {"metric": {...}, "value": [t, "v"]}.
// Its errors go to vecErr; it returns false only on a syntax error.
func (d *decoder) sample() bool {
	s, dd := &d.s, &d.data
	if !s.beginObject() {
		return false
	}
	metricNil := true
	d.arena, d.spans = d.arena[:0], d.spans[:0]
	pair := &d.pair
	*pair = model.SamplePair{}
	var hist *model.SampleHistogramPair // rare: allocated when present
	for first := true; ; first = false {
		key, more, ok := s.key(first)
		if !ok {
			return false
		}
		if !more {
			break
		}
		switch d.field(key, sampleFields[:]) {
		case 0:
			c, _ := s.peek()
			switch c {
			case 'n':
				metricNil = true
				d.arena, d.spans = d.arena[:0], d.spans[:0]
				ok = s.literal("null")
			case '{':
				metricNil = false
				ok = d.metric()
			default:
				d.sampleErr("sample metric is not an object")
				ok = s.skip()
			}
		case 1:
			ok = d.value(pair)
		case 2:
			if hist == nil {
				hist = &model.SampleHistogramPair{}
			}
			var raw []byte
			if raw, ok = s.capture(); ok {
				if err := hist.UnmarshalJSON(raw); err != nil {
					d.sampleErr("sample histogram: " + err.Error())
				}
			}
		default:
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
	if dd.vecErr != "" {
		return true
	}
	if metricNil {
		dd.vecErr = "vector sample without metric"
		return true
	}
	v := float64(pair.Value)
	if hist != nil && hist.Histogram != nil {
		v = 0 // a native histogram sample has no float value
	}
	d.out.Append(d.sampleLabels(), v)
	return true
}

func (d *decoder) sampleErr(msg string) {
	if d.data.vecErr == "" {
		d.data.vecErr = msg
	}
}

// metric reads a metric object's labels into arena and spans, after any
// read before for the same sample (a map that is added to).
func (d *decoder) metric() bool {
	s := &d.s
	if !s.beginObject() {
		return false
	}
	for first := true; ; first = false {
		var sp span
		sp.name = len(d.arena)
		var more, ok bool
		d.arena, more, ok = s.keyInto(d.arena, first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		sp.nameEnd, sp.value = len(d.arena), len(d.arena)
		c, _ := s.peek()
		switch c {
		case '"':
			d.arena, ok = s.str(d.arena)
		case 'n':
			ok = s.literal("null") // the label is set, to ""
		default:
			d.sampleErr("label value is not a string")
			ok = s.skip()
		}
		if !ok {
			return false
		}
		sp.valueEnd = len(d.arena)
		d.spans = append(d.spans, sp)
	}
}

// sampleLabels interns the sample's labels, keeping the last value of a
// repeated name as a map would. Consecutive samples mostly repeat the
// previous one's names and many of its values, so those are compared with
// it first; only the rest go to the shared intern table.
func (d *decoder) sampleLabels() []evaluator.Label {
	prev, ls := d.prev, d.labels[:0]
	locked := false
	for i, sp := range d.spans {
		name, value := d.arena[sp.name:sp.nameEnd], d.arena[sp.value:sp.valueEnd]
		var l evaluator.Label
		if i < len(prev) && prev[i].Name == string(name) {
			l.Name = prev[i].Name
		}
		if i < len(prev) && prev[i].Value == string(value) {
			l.Value = prev[i].Value
		}
		if l.Name == "" && len(name) > 0 || l.Value == "" && len(value) > 0 {
			if !locked {
				d.mu.Lock()
				locked = true
			}
			if l.Name == "" {
				l.Name = d.strs.Bytes(name)
			}
			if l.Value == "" {
				l.Value = d.strs.Bytes(value)
			}
		}
		ls = append(ls, l)
	}
	if locked {
		d.mu.Unlock()
	}
	// The labels in arrival order are what the next sample is compared
	// with; d.labels and d.prev swap buffers.
	d.labels, d.prev = d.prev[:0], ls
	out := append(d.sorted[:0], ls...)
	d.sorted = out
	for i := 1; i < len(out); i++ {
		if out[i].Name <= out[i-1].Name {
			return dedupe(out)
		}
	}
	return out
}

// dedupe sorts labels by name keeping, of equal names, the last.
func dedupe(ls []evaluator.Label) []evaluator.Label {
	slices.SortStableFunc(ls, cmpNames)
	out := ls[:0]
	for i, l := range ls {
		if i+1 < len(ls) && ls[i+1].Name == l.Name {
			continue
		}
		out = append(out, l)
	}
	return out
}

func cmpNames(a, b evaluator.Label) int { return strings.Compare(a.Name, b.Name) }

// value reads a sample's value pair. The form Prometheus writes,
// [1700000000.123,"0.5"], is read directly; any other goes to
// model.SamplePair's own UnmarshalJSON, so that odd bodies fare exactly as
// before.
func (d *decoder) value(p *model.SamplePair) bool {
	s := &d.s
	c, ok := s.peek()
	if !ok {
		return false
	}
	s.mark = s.pos
	if c == '[' {
		if msg, fast := d.fastPair(p); fast {
			s.mark = -1
			if msg != "" {
				d.sampleErr(msg)
			}
			return true
		}
		s.pos = s.mark
	}
	depth := s.depth
	ok = s.skip()
	raw := s.buf[s.mark:s.pos]
	s.mark, s.depth = -1, depth
	if ok {
		if err := p.UnmarshalJSON(raw); err != nil {
			d.sampleErr("sample value: " + err.Error())
		}
	}
	return ok
}

// fastPair reads [number, "string"] and applies it as SamplePair would.
// fast is false when the value has another shape (or a syntax error); the
// caller then rewinds to mark.
func (d *decoder) fastPair(p *model.SamplePair) (msg string, fast bool) {
	s := &d.s
	s.pos++ // '['
	c, ok := s.peek()
	if !ok || c != '-' && (c < '0' || c > '9') {
		return "", false
	}
	if s.tmp, ok = s.number(s.tmp[:0]); !ok || !s.consume(',') {
		return "", false
	}
	if c, ok = s.peek(); !ok || c != '"' {
		return "", false
	}
	n := len(s.tmp)
	if s.tmp, _, ok = s.scanStr(s.tmp, true); !ok || !s.consume(']') {
		return "", false
	}
	if !timeValid(s.tmp[:n]) {
		return "sample timestamp: invalid " + strconv.Quote(string(s.tmp[:n])), true
	}
	// Like model.SampleValue, parse the text between the quotes as it is.
	v, err := strconv.ParseFloat(string(s.tmp[n:]), 64)
	if err != nil {
		return "sample value: " + err.Error(), true
	}
	p.Value = model.SampleValue(v)
	return "", true
}

// timeValid reports whether model.Time's UnmarshalJSON accepts num, a
// number with JSON's grammar, without its allocations: an integer part
// that fits in an int64 and, after a dot, a fraction whose first three
// characters are digits (it ignores the rest, exponent included); without
// a dot, no exponent.
func timeValid(num []byte) bool {
	intPart, frac, dot := bytes.Cut(num, []byte{'.'})
	if !fitsInt64(intPart) {
		return false
	}
	if !dot {
		return true
	}
	frac = frac[:min(len(frac), 3)]
	for _, c := range frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(frac) > 0
}

// fitsInt64 reports whether b, an optional minus and digits as JSON
// writes them (or anything else, which does not fit), parses as an int64.
func fitsInt64(b []byte) bool {
	digits := b
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	if len(digits) < 19 {
		return true
	}
	_, err := strconv.ParseInt(string(b), 10, 64)
	return err == nil
}
