package notifiers

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

func codecAlert(name string, st alert.State, at time.Time) *alert.Alert {
	ls := model.LabelSet{"alertname": "A", "instance": model.LabelValue(name)}
	return &alert.Alert{
		Key:    alert.Key{RuleID: "r", ID: ls.Fingerprint()},
		Labels: ls, Annotations: model.LabelSet{"summary": "s " + model.LabelValue(name)},
		State: st, Value: 0.5, ActiveAt: at, FiredAt: at,
	}
}

func TestMessageCodecWritesChangesAsIndexes(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	a, b := codecAlert("a", alert.StateFiring, at), codecAlert("b", alert.StateFiring, at)
	r := codecAlert("r", alert.StateInactive, at)
	r.ResolvedAt = at.Add(time.Minute)
	m := &Message{
		Receiver: "team", GroupKey: "{}:{alertname=\"A\"}", GroupLabels: model.LabelSet{"alertname": "A"},
		Alerts:  []*alert.Alert{a, b, r},
		Changes: Changes{Firing: []*alert.Alert{b, a}, Resolved: []*alert.Alert{r}, Acked: []*alert.Alert{a}},
		At:      at,
	}
	raw, err := EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]json.RawMessage
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	if got := string(w["changes_firing_at"]); got != "[1,0]" {
		t.Errorf("changes_firing_at = %s, want [1,0] (the alerts' order in the change list)", got)
	}
	if _, ok := w["changes_firing"]; ok {
		t.Error("the firing changes were written in full as well as by index")
	}
	if n := bytes.Count(raw, []byte(`"instance":"a"`)); n != 1 {
		t.Errorf("alert a written %d times, want once", n)
	}

	got, err := DecodeMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Alerts) != 3 || len(got.Changes.Firing) != 2 || len(got.Changes.Resolved) != 1 || len(got.Changes.Acked) != 1 {
		t.Fatalf("decoded %d alerts, changes %d firing %d resolved %d acked", len(got.Alerts),
			len(got.Changes.Firing), len(got.Changes.Resolved), len(got.Changes.Acked))
	}
	// The change lists hold the message's own alerts, in their order.
	if got.Changes.Firing[0] != got.Alerts[1] || got.Changes.Firing[1] != got.Alerts[0] ||
		got.Changes.Resolved[0] != got.Alerts[2] || got.Changes.Acked[0] != got.Alerts[0] {
		t.Fatal("decoded change lists do not refer to the message's alerts")
	}
	if got.Changes.Resolved[0].ResolvedAt != r.ResolvedAt || got.Changes.Firing[0].Labels["instance"] != "b" {
		t.Fatalf("decoded alerts differ: %+v", got.Changes.Resolved[0])
	}
}

func TestMessageCodecChangeNotInAlertsIsWrittenInFull(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	a, other := codecAlert("a", alert.StateFiring, at), codecAlert("x", alert.StateInactive, at)
	m := &Message{Alerts: []*alert.Alert{a}, Changes: Changes{Resolved: []*alert.Alert{other}, Firing: []*alert.Alert{a}}}
	raw, err := EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Changes.Resolved) != 1 || got.Changes.Resolved[0].Labels["instance"] != "x" {
		t.Fatalf("resolved changes = %+v", got.Changes.Resolved)
	}
	if got.Changes.Firing[0] != got.Alerts[0] {
		t.Fatal("firing change not the message's alert")
	}
}

// Messages queued by an earlier version carry their change lists in full
// (and no _at lists).
func TestMessageCodecReadsChangesWrittenInFull(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	a := codecAlert("a", alert.StateFiring, at)
	raw, err := json.Marshal(wireMessage{Receiver: "team", GroupKey: "g", Alerts: toWire([]*alert.Alert{a}),
		Firing: toWire([]*alert.Alert{a}), At: at})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(`changes_firing_at`)) {
		t.Fatalf("not the earlier form: %s", raw)
	}
	m, err := DecodeMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Changes.Firing) != 1 || m.Changes.Firing[0].Labels["instance"] != "a" || m.Changes.Firing[0].Value != 0.5 {
		t.Fatalf("changes = %+v", m.Changes)
	}
}

func TestMessageCodecRefusesBadIndexes(t *testing.T) {
	for _, raw := range []string{
		`{"alerts":[],"changes_firing_at":[0]}`,
		`{"alerts":[{"labels":{}}],"changes_resolved_at":[-1]}`,
		`{"alerts":[{"labels":{}}],"changes_stable_at":[1]}`,
	} {
		if _, err := DecodeMessage([]byte(raw)); err == nil {
			t.Errorf("DecodeMessage(%s) accepted an index outside the alerts", raw)
		}
	}
}

// FuzzDecodeMessage: no input makes decoding panic, and a decoded message
// encodes to bytes that decode to the same message.
func FuzzDecodeMessage(f *testing.F) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	a, b := codecAlert("a", alert.StateFiring, at), codecAlert("b", alert.StateInactive, at)
	a.Value = math.NaN()
	seed, err := EncodeMessage(&Message{Receiver: "r", GroupKey: "g", Alerts: []*alert.Alert{a, b},
		Changes: Changes{Firing: []*alert.Alert{a}, Resolved: []*alert.Alert{b}, Stable: []*alert.Alert{b}}, At: at})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"alerts":[{"labels":{"a":"b"}}],"changes_firing_at":[0,0],"changes_acked":[{"labels":{}}]}`))
	f.Add([]byte(`{"acks":{"zz":{}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := DecodeMessage(raw)
		if err != nil {
			return
		}
		again, err := EncodeMessage(m)
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		m2, err := DecodeMessage(again)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v\n%s", err, again)
		}
		third, err := EncodeMessage(m2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, third) {
			t.Fatalf("encoding is not stable:\n%s\n%s", again, third)
		}
		if len(m.Changes.Firing) != len(m2.Changes.Firing) || len(m.Changes.Stable) != len(m2.Changes.Stable) ||
			len(m.Alerts) != len(m2.Alerts) {
			t.Fatal("round trip changed the message's shape")
		}
	})
}
