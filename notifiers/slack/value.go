package slack

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// maxValue is Slack's limit on a button's value, in characters. Values
// are kept within it in bytes, which is stricter.
const maxValue = 2000

// valueVersion is the version of buttonValue; a button whose value has
// another version (posted by an older or newer alerter) is refused.
const valueVersion = 1

// buttonValue is what the Acknowledge and Silence 1h buttons carry in
// their value, as compact JSON, because the interaction handler cannot
// look a message's group up: the fingerprints of the message's firing
// alerts, when they fit, and equality matchers (name to value) for the
// labels the firing alerts have in common.
type buttonValue struct {
	V            int               `json:"v"`
	Fingerprints []string          `json:"f,omitempty"`
	Matchers     map[string]string `json:"m,omitempty"`
}

// encodeValue encodes the alerts' fingerprints and the labels as a button
// value of at most maxValue bytes. When everything does not fit, the
// labels with the longest values are left out, one by one, until the
// labels alone fit; then the fingerprints are added back if they still
// fit. It reports what was kept; with neither, the value is useless.
func encodeValue(fps []model.Fingerprint, labels model.LabelSet) (value string, withFingerprints bool, matchers int) {
	v := buttonValue{V: valueVersion, Matchers: map[string]string{}}
	for name, val := range labels {
		if name != "" && val != "" { // label="" would match alerts without the label
			v.Matchers[string(name)] = string(val)
		}
	}
	for _, fp := range fps {
		v.Fingerprints = append(v.Fingerprints, fp.String())
	}
	if s := v.marshal(); len(s) <= maxValue {
		return s, len(v.Fingerprints) > 0, len(v.Matchers)
	}
	all := v.Fingerprints
	v.Fingerprints = nil
	// Leave out the longest values first: they are the most specific
	// labels (an instance, a URL), while group labels are usually short.
	byLength := slices.SortedFunc(maps.Keys(v.Matchers), func(a, b string) int {
		return cmp.Or(
			cmp.Compare(len(v.Matchers[b]), len(v.Matchers[a])),
			cmp.Compare(len(b), len(a)),
			strings.Compare(a, b),
		)
	})
	s := v.marshal()
	for ; len(s) > maxValue && len(byLength) > 0; s = v.marshal() {
		delete(v.Matchers, byLength[0])
		byLength = byLength[1:]
	}
	if v.Fingerprints = all; len(all) > 0 {
		if withFPs := v.marshal(); len(withFPs) <= maxValue {
			return withFPs, true, len(v.Matchers)
		}
	}
	return s, false, len(v.Matchers)
}

// marshal encodes v compactly: encoding/json sorts the matchers by name,
// so a group's value does not change between messages, and HTML escaping
// is off, so that '<', '>' and '&' take one byte rather than six.
func (v *buttonValue) marshal() string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // strings and an int always encode
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// decodeValue reads a button value made by encodeValue. It accepts only
// this version, fingerprints of 16 hex digits and non-empty label names;
// the matchers are sorted by name.
func decodeValue(s string) (fps []model.Fingerprint, ms matcher.Matchers, err error) {
	if len(s) > maxValue {
		return nil, nil, fmt.Errorf("value has %d bytes, more than %d", len(s), maxValue)
	}
	var v buttonValue
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, nil, fmt.Errorf("value: %w", err)
	}
	if v.V != valueVersion {
		return nil, nil, fmt.Errorf("value has version %d, want %d", v.V, valueVersion)
	}
	for _, f := range v.Fingerprints {
		if len(f) != 16 || strings.Trim(f, "0123456789abcdefABCDEF") != "" {
			return nil, nil, fmt.Errorf("invalid fingerprint %q", sanitize(f))
		}
		fp, err := model.ParseFingerprint(f)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid fingerprint %q", sanitize(f))
		}
		fps = append(fps, fp)
	}
	for _, name := range slices.Sorted(maps.Keys(v.Matchers)) {
		if v.Matchers[name] == "" {
			return nil, nil, fmt.Errorf("matcher %q has an empty value", sanitize(name))
		}
		m, err := matcher.New(matcher.Equal, name, v.Matchers[name])
		if err != nil {
			return nil, nil, errors.New("invalid matcher")
		}
		ms = append(ms, m)
	}
	return fps, ms, nil
}
