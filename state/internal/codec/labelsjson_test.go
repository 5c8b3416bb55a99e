package codec

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// referenceLabels is what EncodeLabels wrote before appendLabels: the
// stored format it must keep.
func referenceLabels(ls model.LabelSet) string {
	b, err := json.Marshal(labelMap(ls))
	if err != nil {
		panic(err)
	}
	return string(b)
}

// referenceSnapshot is alertSnapshot as encoding/json encodes it with
// plain maps for the label sets: the stored format EncodeSnapshot keeps.
func referenceSnapshot(a *alert.Alert) string {
	type ref struct {
		RuleID           string   `json:"rule_id"`
		Fingerprint      string   `json:"fp"`
		Labels           labelMap `json:"labels"`
		Annotations      labelMap `json:"annotations"`
		State            uint8    `json:"state"`
		Value            string   `json:"value"`
		GeneratorURL     string   `json:"generator_url"`
		ActiveAt         int64    `json:"active_at"`
		FiredAt          int64    `json:"fired_at"`
		ResolvedAt       int64    `json:"resolved_at"`
		KeepFiringSince  int64    `json:"keep_firing_since"`
		LastEvalAt       int64    `json:"last_eval_at"`
		SeverityRaisedAt int64    `json:"severity_raised_at"`
		EndsAt           int64    `json:"ends_at,omitempty"`
	}
	ts, err := EncodeAlertTimes(a)
	if err != nil {
		panic(err)
	}
	b, err := json.Marshal(ref{a.Key.RuleID, a.Key.ID.String(), labelMap(a.Labels), labelMap(a.Annotations), uint8(a.State),
		strconv.FormatFloat(a.Value, 'g', -1, 64), a.GeneratorURL, ts[0], ts[1], ts[2], ts[3], ts[4], ts[5], ts[6]})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// FuzzLabelsJSON: the label sets and outbox snapshots are encoded to the
// very bytes encoding/json wrote before, whatever the names and values
// (quotes, control characters, HTML, invalid UTF-8, U+2028), and decode
// back.
func FuzzLabelsJSON(f *testing.F) {
	f.Add("alertname", "High", "instance", "a:9090", "summary", `{{ $value }} <b>"x" & y</b>`, false)
	f.Add("", "", "\x00", "\xff\xfe", "\u2028", "é\t\n", true)
	f.Add("a", "b", "a", "c", "z", "\\", false)
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2, n3, v3 string, nilAnn bool) {
		ls := model.LabelSet{model.LabelName(n1): model.LabelValue(v1), model.LabelName(n2): model.LabelValue(v2)}
		ann := model.LabelSet{model.LabelName(n3): model.LabelValue(v3)}
		if nilAnn {
			ann = nil
		}
		for _, set := range []model.LabelSet{ls, ann, {}} {
			got, err := EncodeLabels(set)
			if err != nil {
				t.Fatal(err)
			}
			if want := referenceLabels(set); got != want {
				t.Fatalf("EncodeLabels(%q) = %s, want %s", set, got, want)
			}
			back, err := DecodeLabels([]byte(got))
			// (Names that differ only in invalid UTF-8 may collapse into
			// one, as they always did.)
			if err != nil || (set == nil) != (back == nil) {
				t.Fatalf("DecodeLabels(%s) = %q, %v", got, back, err)
			}
		}
		a := &alert.Alert{
			Key: alert.Key{RuleID: n1 + ";" + v1, ID: 42}, Labels: ls, Annotations: ann, State: alert.StateFiring,
			Value: 0.5, GeneratorURL: v3, ActiveAt: time.Unix(1700000000, 1), FiredAt: time.Unix(1700000001, 0),
		}
		got, err := EncodeSnapshot(a)
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceSnapshot(a); got != want {
			t.Fatalf("EncodeSnapshot = %s, want %s", got, want)
		}
		if _, err := DecodeSnapshot([]byte(got)); err != nil {
			t.Fatalf("DecodeSnapshot(%s): %v", got, err)
		}
	})
}
