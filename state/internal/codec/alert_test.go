package codec

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/state/storetest"
)

var t0 = storetest.T0

func TestTimeCodec(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	now := time.Now() // carries a monotonic reading
	tests := []struct {
		name string
		in   time.Time
		want time.Time // after decoding; compared with ==
	}{
		{"zero", time.Time{}, time.Time{}},
		{"nanoseconds", t0, t0},
		{"one ns after epoch", time.Unix(0, 1), time.Unix(0, 1).UTC()},
		{"before epoch", time.Date(1969, 7, 20, 20, 17, 40, 123, time.UTC), time.Date(1969, 7, 20, 20, 17, 40, 123, time.UTC)},
		{"other zone becomes UTC", t0.In(berlin), t0},
		{"monotonic reading dropped", now, now.Round(0).UTC()},
		{"latest storable", time.Unix(0, math.MaxInt64), time.Unix(0, math.MaxInt64).UTC()},
		{"earliest storable", time.Unix(0, math.MinInt64), time.Unix(0, math.MinInt64).UTC()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := EncodeTime(tt.in)
			if err != nil {
				t.Fatalf("EncodeTime(%v): %v", tt.in, err)
			}
			got := DecodeTime(n)
			if got != tt.want || !got.Equal(tt.in) {
				t.Errorf("round trip of %v = %v, want %v", tt.in, got, tt.want)
			}
			if got.IsZero() != tt.in.IsZero() {
				t.Errorf("IsZero changed: %v", got.IsZero())
			}
		})
	}
}

func TestTimeCodecRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   time.Time
	}{
		{"epoch (0 is the zero time)", time.Unix(0, 0)},
		{"after 2262", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"before 1677", time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if n, err := EncodeTime(tt.in); err == nil {
				t.Fatalf("EncodeTime(%v) = %d, want an error", tt.in, n)
			}
		})
	}
}

func TestValueCodec(t *testing.T) {
	for _, v := range []float64{
		0, math.Copysign(0, -1), 1.5, -42, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Float64frombits(0x7ff8_0000_dead_beef),
	} {
		got := DecodeValue(EncodeValue(v))
		if math.Float64bits(got) != math.Float64bits(v) {
			t.Errorf("round trip of %v (%#x) = %v (%#x)", v, math.Float64bits(v), got, math.Float64bits(got))
		}
	}
}

func TestLabelsCodec(t *testing.T) {
	tests := []struct {
		name string
		in   model.LabelSet
		want model.LabelSet
	}{
		{"nil", nil, nil},
		{"empty", model.LabelSet{}, model.LabelSet{}},
		{"plain", model.LabelSet{"a": "1", "b": ""}, model.LabelSet{"a": "1", "b": ""}},
		{
			"UTF-8 names and awkward values",
			model.LabelSet{"http.status": `"quoted" \ back`, "zoné": "日本\n\t<>&"},
			model.LabelSet{"http.status": `"quoted" \ back`, "zoné": "日本\n\t<>&"},
		},
		{"invalid UTF-8 becomes U+FFFD", model.LabelSet{"a": "x\xffy"}, model.LabelSet{"a": "x\uFFFDy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := EncodeLabels(tt.in)
			if err != nil {
				t.Fatalf("EncodeLabels: %v", err)
			}
			got, err := DecodeLabels([]byte(s))
			if err != nil {
				t.Fatalf("DecodeLabels(%s): %v", s, err)
			}
			if !reflect.DeepEqual(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("round trip of %#v via %s = %#v, want %#v", tt.in, s, got, tt.want)
			}
		})
	}
}

func TestSnapshotCodec(t *testing.T) {
	a := storetest.SampleAlert("r", 1)
	a.Value = math.NaN()
	a.Annotations = nil
	a.ResolvedAt = t0.Add(-time.Nanosecond)
	s, err := EncodeSnapshot(a)
	if err != nil {
		t.Fatalf("EncodeSnapshot: %v", err)
	}
	got, err := DecodeSnapshot([]byte(s))
	if err != nil {
		t.Fatalf("DecodeSnapshot(%s): %v", s, err)
	}
	if !storetest.EqualAlert(&got, a) {
		t.Errorf("round trip via %s:\n got %+v\nwant %+v", s, got, *a)
	}
}
