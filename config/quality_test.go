package config

import (
	"strings"
	"testing"
	"time"
)

func TestFlapDetectionAndAlertQuality(t *testing.T) {
	c, err := Parse([]byte("{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Global.FlapDetection.Rules() != nil {
		t.Error("flap detection is on by default")
	}
	if q := c.AlertQuality; q.FlapEvaluations != 3 || time.Duration(q.Retention) != 30*24*time.Hour || q.MaxEpisodes != 100000 {
		t.Errorf("alert_quality defaults = %+v", q)
	}

	c, err = Parse([]byte(`
global:
  flap_detection: {cycles: 5, stable_for: 1h}
alert_quality: {flap_evaluations: 2, retention: 7d, max_episodes: 500}
`))
	if err != nil {
		t.Fatal(err)
	}
	f := c.Global.FlapDetection.Rules()
	if f == nil || *f.Cycles != 5 || f.Window != nil || *f.StableFor != time.Hour {
		t.Errorf("flap_detection = %+v", f)
	}
	if q := c.AlertQuality; q.FlapEvaluations != 2 || time.Duration(q.Retention) != 7*24*time.Hour || q.MaxEpisodes != 500 {
		t.Errorf("alert_quality = %+v", q)
	}
	c, err = Parse([]byte("global:\n  flap_detection: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f := c.Global.FlapDetection.Rules(); f == nil || f.Cycles != nil {
		t.Errorf("an empty block = %+v, want on with the defaults", f)
	}
}

func TestFlapDetectionAndAlertQualityErrors(t *testing.T) {
	_, err := Parse([]byte(`global:
  flap_detection: {cycles: 101, window: 0s, stable_for: -1m, stable: 1m}
alert_quality: {flap_evaluations: 0, retention: 0s, max_episodes: -1}
`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{
		`2:62: global.flap_detection: unknown field "stable"`,
		`2:57: global.flap_detection.stable_for: not a valid duration string: "-1m"`,
		`2:41: global.flap_detection.window: must be greater than 0`,
		`2:28: global.flap_detection.cycles: must be between 0 (off) and 100, got 101`,
		`3:35: alert_quality.flap_evaluations: must be at least 1, got 0`,
		`3:49: alert_quality.retention: must be greater than 0`,
		`3:67: alert_quality.max_episodes: must be at least 1, got -1`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%v", w, err)
		}
	}
	_, err = Parse([]byte("global:\n  flap_detection: {window: 0s}\n"))
	if err == nil || !strings.Contains(err.Error(), "2:28: global.flap_detection.window: must be greater than 0") {
		t.Errorf("zero window: %v", err)
	}
}
