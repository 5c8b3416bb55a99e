package codec

import (
	"reflect"
	"testing"
	"time"

	"github.com/alerter/alerter/state"
)

// FuzzDecodeGroupStatus: a stored group status that decodes encodes back
// to the same status; nothing panics on a corrupt row.
func FuzzDecodeGroupStatus(f *testing.F) {
	seed, _ := EncodeGroupStatus(&state.GroupStatus{Group: "g", LastEval: time.Unix(1700000000, 5), EvalDuration: time.Millisecond,
		Rules: []state.RuleStatus{{RuleID: "f;g/A", Health: "err", LastError: "boom\n\"x\"", LastEval: time.Unix(1700000000, 1), EvalDuration: 2}}})
	f.Add([]byte(seed))
	f.Add([]byte(`{"rules":null}`))
	f.Add([]byte(`{"last_eval":-1,"rules":[{}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := DecodeGroupStatus("g", b)
		if err != nil {
			return
		}
		enc, err := EncodeGroupStatus(&g)
		if err != nil {
			// Only times the codec refuses (the epoch, out of range) may
			// fail to encode; DecodeTime never returns those but 0.
			t.Fatalf("re-encoding %+v: %v", g, err)
		}
		g2, err := DecodeGroupStatus("g", []byte(enc))
		if err != nil || !reflect.DeepEqual(g, g2) {
			t.Fatalf("round trip %+v -> %s -> %+v (%v)", g, enc, g2, err)
		}
	})
}

// FuzzDecodeRecords: the stored JSON records never panic their decoders.
func FuzzDecodeRecords(f *testing.F) {
	f.Add([]byte(`{"id":"a","matchers":[{"name":"a","value":"b","isRegex":true,"isEqual":true}]}`))
	f.Add([]byte(`{"id":"k","targets":[{"rule_id":"r","id":1,"fingerprint":1}],"matchers":[{"name":"x","value":"(","isRegex":true}]}`))
	f.Add([]byte(`{"name":"w","schedule":"* * * * *","duration":"1h","matchers":[]}`))
	f.Add([]byte(`{"rule_id":"r","fp":"0000000000000001","value":"NaN","labels":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeSilence(b)
		_, _ = DecodeAck(b)
		_, _ = DecodeWindow(b)
		_, _ = DecodeSnapshot(b)
		_, _ = DecodeFingerprints(b)
		if m, err := DecodeIntegrationState(b); err == nil && m == nil {
			t.Fatal("DecodeIntegrationState returned a nil map")
		}
	})
}
