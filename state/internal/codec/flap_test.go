package codec

import (
	"reflect"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
)

func TestFlapCodec(t *testing.T) {
	for _, f := range []*alert.Flap{
		nil,
		{},
		{Resolutions: []time.Time{t0, t0.Add(time.Minute)}, LastChange: t0.Add(2 * time.Minute), Since: t0.Add(2 * time.Minute),
			Incident: t0.Add(2 * time.Minute), Ended: t0.Add(-time.Hour)},
	} {
		s, err := EncodeFlap(f)
		if err != nil {
			t.Fatal(err)
		}
		if (f == nil) != (s == "") {
			t.Errorf("EncodeFlap(%+v) = %q", f, s)
		}
		got, err := DecodeFlap([]byte(s))
		if err != nil || !reflect.DeepEqual(got, f) {
			t.Errorf("round trip of %+v = %+v (%v)", f, got, err)
		}
		a := alert.Alert{Key: alert.Key{RuleID: "r", ID: 1}, Flap: f}
		snap, err := EncodeSnapshot(&a)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeSnapshot([]byte(snap))
		if err != nil || !reflect.DeepEqual(back.Flap, f) {
			t.Errorf("snapshot round trip of %+v = %+v (%v)", f, back.Flap, err)
		}
	}
	if _, err := EncodeFlap(&alert.Flap{Since: time.Unix(0, 0)}); err == nil {
		t.Error("the epoch encoded")
	}
	if _, err := DecodeFlap([]byte("{")); err == nil {
		t.Error("broken JSON decoded")
	}
	// Snapshots written before flap detection have no "flap".
	old, err := DecodeSnapshot([]byte(`{"rule_id":"r","fp":"0000000000000001","value":"1"}`))
	if err != nil || old.Flap != nil {
		t.Errorf("an old snapshot: %+v, %v", old.Flap, err)
	}
}

// FuzzDecodeFlap: a stored flap history that decodes encodes back to the
// same history.
func FuzzDecodeFlap(f *testing.F) {
	seed, _ := EncodeFlap(&alert.Flap{Resolutions: []time.Time{t0}, LastChange: t0, Since: t0, Incident: t0, Ended: t0})
	f.Add([]byte(seed))
	f.Add([]byte(`{"resolutions":[0,-1,9223372036854775807]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fl, err := DecodeFlap(b)
		if err != nil {
			return
		}
		enc, err := EncodeFlap(fl)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", fl, err)
		}
		back, err := DecodeFlap([]byte(enc))
		if err != nil || !reflect.DeepEqual(back, fl) {
			// "null" decodes to an empty history, which encodes as
			// {}: the same history.
			if !(fl != nil && back != nil && reflect.DeepEqual(*fl, *back)) {
				t.Fatalf("round trip %+v -> %s -> %+v (%v)", fl, enc, back, err)
			}
		}
	})
}
