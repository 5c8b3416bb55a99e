package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestDecode(t *testing.T) {
	// What Prometheus 2.42 sends with api_version v2 (one firing, one
	// resolved), with a field Alertmanager's clients may add.
	body := `[
	  {"labels":{"alertname":"Up","job":"node"},"annotations":{"summary":"s"},
	   "startsAt":"2030-05-06T07:00:00.123Z","endsAt":"2030-05-06T07:04:00.123Z",
	   "generatorURL":"http://prom:9090/graph?g0.expr=up","status":{"state":"x"}},
	  {"labels":{"alertname":"Down"},"startsAt":"2030-05-06T07:00:00+02:00","endsAt":"0001-01-01T00:00:00Z"}
	]`
	got, err := Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("decoded %d alerts", len(got))
	}
	a := got[0]
	if a.Labels.String() != `{alertname="Up", job="node"}` || a.Annotations["summary"] != "s" ||
		!a.StartsAt.Equal(time.Date(2030, 5, 6, 7, 0, 0, 123e6, time.UTC)) ||
		!a.EndsAt.Equal(time.Date(2030, 5, 6, 7, 4, 0, 123e6, time.UTC)) ||
		a.GeneratorURL != "http://prom:9090/graph?g0.expr=up" {
		t.Fatalf("first alert: %+v", a)
	}
	if b := got[1]; !b.EndsAt.IsZero() || !b.StartsAt.Equal(time.Date(2030, 5, 6, 5, 0, 0, 0, time.UTC)) || b.Annotations != nil {
		t.Fatalf("second alert: %+v (Go's zero time must read as unset)", b)
	}
}

func TestDecodeRefusesTheWholeRequest(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{``, "alerts in body is required"},
		{`  `, "alerts in body is required"},
		{`{"labels":{"a":"b"}}`, "must be a JSON array of alerts"},
		{`[{"labels":{"a":"b"}}`, "parsing alerts body failed: invalid JSON"},
		{`[{"labels":{"a":"b"}}, 3]`, "alerts[1]: must be a JSON object"},
		{`[{"labels":{"a":1}}]`, "alerts[0].labels: must be an object of string values"},
		{`[{"labels":["a"]}]`, "alerts[0].labels: must be an object of string values"},
		{`[{"labels":{"a":"b"},"startsAt":5}]`, "alerts[0].startsAt: must be an RFC 3339 date-time string"},
		{`[{"labels":{"a":"b"}},{"labels":{"a":"b"},"endsAt":"yesterday"}]`, `alerts[1].endsAt: "yesterday" is not an RFC 3339 date-time`},
		{`[{"labels":{"a":"b"},"generatorURL":"http://a b\u007f"}]`, "alerts[0].generatorURL"},
		{`[{"labels":{"a":"b"},"generatorURL":7}]`, "alerts[0].generatorURL: must be a string"},
	} {
		_, err := Decode([]byte(tt.body))
		var re *RequestError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode(%s) = %v, want a RequestError containing %q", tt.body, err, tt.want)
		}
	}
}

func TestDecodeEmptyArray(t *testing.T) {
	got, err := Decode([]byte(`[]`))
	if err != nil || len(got) != 0 {
		t.Fatalf("Decode([]) = %v, %v", got, err)
	}
}

// FuzzDecode: any body either decodes or is refused with a RequestError;
// a decoded alert either validates or says which field is wrong, and a
// valid one can be pushed.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`[]`,
		`[{"labels":{"alertname":"A"},"annotations":{"s":"x"},"startsAt":"2030-05-06T07:00:00Z","endsAt":"2030-05-06T07:05:00Z","generatorURL":"http://p/"}]`,
		`[{"labels":{"a":""}},{"labels":{}}]`,
		`[{"labels":{"a":"b"},"startsAt":"2030-05-06T07:00:00.999999999+0100"}]`,
		`[{"labels":{"a":"b"},"endsAt":"1000-01-01T00:00:00Z"}]`,
		`{"labels":{}}`,
		`[null]`,
		`[{"labels":null}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		alerts, err := Decode(b)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) || re.Msg == "" {
				t.Fatalf("Decode error %v (%T) is not a RequestError with a message", err, err)
			}
			return
		}
		in := newTestIngester(t, newMemStore(), nil)
		if err := in.Restore(t.Context(), t0); err != nil {
			t.Fatal(err)
		}
		err = in.Push(t.Context(), alerts, t0)
		var verr *ValidationError
		if err != nil && !errors.As(err, &verr) {
			t.Fatalf("Push of decoded alerts: %v", err)
		}
		for _, a := range in.Alerts() {
			if len(a.Labels) == 0 || a.Key.ID != model.LabelSet(a.Labels).Fingerprint() {
				t.Fatalf("stored alert %+v has no labels or a key that is not its fingerprint", a)
			}
		}
	})
}
