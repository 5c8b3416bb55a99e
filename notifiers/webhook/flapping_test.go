package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// TestFlappingPayload: a flapping alert carries alerter's additive fields
// flapping and flappingSince (testdata/flapping.golden); without them the
// body is Alertmanager's, field for field.
func TestFlappingPayload(t *testing.T) {
	api := model.LabelSet{"alertname": "HighLatency", "service": "api", "severity": "warning"}
	web := model.LabelSet{"alertname": "HighLatency", "service": "web", "severity": "warning"}
	flapping := firing(api, model.LabelSet{"summary": "p99 latency above 2s"})
	flapping.Flap = &alert.Flap{Since: t0.Add(3 * time.Minute), Incident: t0.Add(3 * time.Minute)}
	m := message(flapping, firing(web, nil))
	m.Changes.Flapping = []*alert.Alert{flapping}

	rc := newReceiver(t, nil)
	if _, err := newNotifier(t, configFor(t, rc.URL, "/hook")).Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	reqs := rc.got()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests", len(reqs))
	}
	var got bytes.Buffer
	if err := json.Indent(&got, reqs[0].Body, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "flapping.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("payload differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", golden, got.Bytes(), want)
	}

	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	alerts := body["alerts"].([]any)
	first, second := alerts[0].(map[string]any), alerts[1].(map[string]any)
	if first["flapping"] != true || first["flappingSince"] != "2026-03-14T15:12:26Z" || first["status"] != "firing" {
		t.Errorf("flapping alert: %v", first)
	}
	if _, ok := second["flapping"]; ok {
		t.Errorf("a stable alert carries flapping: %v", second)
	}
	delete(first, "flapping")
	delete(first, "flappingSince")
	stripped, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	decodeStrict(t, stripped)
}
