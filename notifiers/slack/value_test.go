package slack

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// matcherMap turns decoded matchers back into labels, failing on any that
// is not an equality matcher.
func matcherMap(t testing.TB, ms matcher.Matchers) model.LabelSet {
	t.Helper()
	out := model.LabelSet{}
	for _, m := range ms {
		if m.Type != matcher.Equal {
			t.Errorf("matcher %s is not an equality matcher", m)
		}
		out[model.LabelName(m.Name)] = model.LabelValue(m.Value)
	}
	return out
}

func fingerprints(n int) []model.Fingerprint {
	fps := make([]model.Fingerprint, n)
	for i := range fps {
		fps[i] = model.LabelSet{"instance": model.LabelValue(fmt.Sprint("host-", i))}.Fingerprint()
	}
	return fps
}

func TestValueRoundTrip(t *testing.T) {
	labels := model.LabelSet{"alertname": "HighLatency", "job": "api", "url": `https://x.example/?a=1&b=<2>"`, "empty": ""}
	fps := append(fingerprints(3), 0) // 0 encodes as 16 zeros
	value, withFPs, n := encodeValue(fps, labels)
	if !withFPs || n != 3 {
		t.Fatalf("kept fingerprints %v, %d matchers: %s", withFPs, n, value)
	}
	if strings.Contains(value, `\u003c`) || strings.Contains(value, "\n") {
		t.Errorf("value not compact: %s", value)
	}
	gotFPs, ms, err := decodeValue(value)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotFPs, fps) {
		t.Errorf("fingerprints %v, want %v", gotFPs, fps)
	}
	want := model.LabelSet{"alertname": "HighLatency", "job": "api", "url": labels["url"]}
	if got := matcherMap(t, ms); !got.Equal(want) {
		t.Errorf("matchers %v, want %v (the empty label left out)", got, want)
	}
	if !slices.IsSortedFunc(ms, func(a, b *matcher.Matcher) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("matchers not sorted: %s", ms)
	}
	// The value does not depend on map order.
	for range 20 {
		if again, _, _ := encodeValue(fps, labels); again != value {
			t.Fatalf("value changed: %s vs %s", again, value)
		}
	}
}

func TestValueLimits(t *testing.T) {
	group := model.LabelSet{"alertname": "HighLatency", "job": "api"}
	tests := []struct {
		name         string
		fps          int
		labels       model.LabelSet
		wantFPs      bool
		wantMatchers []model.LabelName
	}{
		{name: "small", fps: 10, labels: group, wantFPs: true, wantMatchers: []model.LabelName{"alertname", "job"}},
		{name: "no fingerprints", labels: group, wantMatchers: []model.LabelName{"alertname", "job"}},
		{
			// 16 hex digits, quotes and a comma: 19 bytes a fingerprint.
			name: "too many alerts", fps: 200, labels: group,
			wantMatchers: []model.LabelName{"alertname", "job"},
		},
		{
			name: "long label", fps: 3,
			labels: model.LabelSet{
				"alertname": "HighLatency", "job": "api",
				"query": model.LabelValue(strings.Repeat("q", 1500)),
				"url":   model.LabelValue(strings.Repeat("u", 1000)),
			},
			wantFPs: true, wantMatchers: []model.LabelName{"alertname", "job", "url"},
		},
		{
			name: "longest left out first", fps: 90,
			labels: model.LabelSet{
				"alertname": "HighLatency", "job": "api",
				"a": model.LabelValue(strings.Repeat("a", 900)),
				"b": model.LabelValue(strings.Repeat("b", 950)),
				"c": model.LabelValue(strings.Repeat("c", 100)),
			},
			wantMatchers: []model.LabelName{"a", "alertname", "c", "job"},
		},
		{
			name: "nothing fits", fps: 200,
			labels: model.LabelSet{"alertname": model.LabelValue(strings.Repeat("x", 2100))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fps := fingerprints(tt.fps)
			value, withFPs, n := encodeValue(fps, tt.labels)
			if len(value) > maxValue {
				t.Fatalf("value has %d bytes", len(value))
			}
			gotFPs, ms, err := decodeValue(value)
			if err != nil {
				t.Fatal(err)
			}
			if withFPs != tt.wantFPs || (withFPs && !slices.Equal(gotFPs, fps)) || (!withFPs && len(gotFPs) > 0) {
				t.Errorf("fingerprints: kept %v, decoded %d, want kept %v", withFPs, len(gotFPs), tt.wantFPs)
			}
			var names []model.LabelName
			for name, value := range matcherMap(t, ms) {
				if value != tt.labels[name] {
					t.Errorf("matcher %s=%q changed", name, value)
				}
				names = append(names, name)
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.wantMatchers) || n != len(names) {
				t.Errorf("matchers %v (reported %d), want %v", names, n, tt.wantMatchers)
			}
		})
	}
}

func TestDecodeValueRefuses(t *testing.T) {
	for _, value := range []string{
		"",
		"not json",
		`{"m":{"a":"b"}}`,       // no version
		`{"v":2,"m":{"a":"b"}}`, // another version
		`{"v":1,"f":["123"]}`,   // short fingerprint
		`{"v":1,"f":["0123456789abcdeg"]}`,
		`{"v":1,"f":["+123456789abcdef"]}`,
		`{"v":1,"f":[1]}`,
		`{"v":1,"m":{"":"b"}}`,
		`{"v":1,"m":{"a":""}}`,
		`{"v":1,"m":["a","b"]}`,
		`{"v":1,"m":{"a":"` + strings.Repeat("x", maxValue) + `"}}`,
	} {
		if fps, ms, err := decodeValue(value); err == nil {
			t.Errorf("decodeValue(%.40q) = %v, %v; want an error", value, fps, ms)
		}
	}
}

// FuzzButtonValue: decoding never panics, and what decodes encodes back
// to the same fingerprints and matchers when it fits.
func FuzzButtonValue(f *testing.F) {
	v, _, _ := encodeValue(fingerprints(3), model.LabelSet{"alertname": "A", "job": "api"})
	f.Add(v)
	f.Add(`{"v":1}`)
	f.Add(`{"v":1,"f":["ffffffffffffffff"],"m":{"a":"\u2028<>&"}}`)
	f.Add(`{"v":1,"m":{"a":"b","a":"c"}}`)
	f.Add(`{"v":1.5}`)
	f.Fuzz(func(t *testing.T, value string) {
		fps, ms, err := decodeValue(value)
		if err != nil {
			return
		}
		labels := model.LabelSet{}
		for _, m := range ms {
			if m.Type != matcher.Equal || m.Name == "" || m.Value == "" {
				t.Fatalf("decoded matcher %s", m)
			}
			labels[model.LabelName(m.Name)] = model.LabelValue(m.Value)
		}
		again, withFPs, n := encodeValue(fps, labels)
		if len(again) > maxValue {
			t.Fatalf("encoded %d bytes", len(again))
		}
		fps2, ms2, err := decodeValue(again)
		if err != nil {
			t.Fatalf("cannot decode own value %q: %v", again, err)
		}
		if n != len(ms2) || withFPs != (len(fps2) > 0) {
			t.Fatalf("reported %d matchers, fingerprints %v; decoded %d, %d", n, withFPs, len(ms2), len(fps2))
		}
		for name, value := range matcherMap(t, ms2) {
			if labels[name] != value {
				t.Fatalf("matcher %s=%q not in the input", name, value)
			}
		}
		if n == len(ms) && withFPs && !slices.Equal(fps, fps2) {
			t.Fatalf("fingerprints %v, want %v", fps2, fps)
		}
	})
}
