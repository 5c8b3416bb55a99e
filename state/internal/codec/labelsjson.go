package codec

import (
	"encoding/json"
	"slices"

	"github.com/prometheus/common/model"
)

// appendLabels appends ls as encoding/json encodes a map[string]string:
// keys sorted bytewise, strings escaped as encoding/json escapes them
// (HTML characters included), nil as null. It gives the same bytes, without
// reflection: a storm writes 100,000 label sets twice (the row and the
// outbox snapshot). FuzzLabelsJSON checks it against encoding/json.
func appendLabels(b []byte, ls model.LabelSet) []byte {
	if ls == nil {
		return append(b, "null"...)
	}
	var buf [16]model.LabelName
	names := buf[:0]
	for n := range ls {
		names = append(names, n)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, string(n))
		b = append(b, ':')
		b = appendJSONString(b, string(ls[n]))
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Printable ASCII that needs
// no escape is copied; anything else is left to encoding/json, so that
// escapes, invalid UTF-8 and U+2028/U+2029 come out exactly as it writes
// them.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// labelObj is a label set that encodes itself through appendLabels, for
// the label sets inside the outbox snapshot.
type labelObj map[model.LabelName]model.LabelValue

// MarshalJSON implements json.Marshaler.
func (l labelObj) MarshalJSON() ([]byte, error) {
	return appendLabels(make([]byte, 0, 64*len(l)+2), model.LabelSet(l)), nil
}
