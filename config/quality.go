package config

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/rules"
)

// FlapDetection is global.flap_detection: flap detection for every rule
// group that does not configure its own (see rules.FlapDetection). Keys
// left out take the built-in defaults (cycles 4, window 1h, stable_for
// 30m); without the block, flap detection is off unless a rule group or
// rule turns it on.
type FlapDetection struct {
	Cycles    *int            `yaml:"cycles,omitempty"`
	Window    *model.Duration `yaml:"window,omitempty"`
	StableFor *model.Duration `yaml:"stable_for,omitempty"`
}

// Rules returns the block as a rule file's, for the evaluator; nil when
// it is absent.
func (f *FlapDetection) Rules() *rules.FlapDetection {
	if f == nil {
		return nil
	}
	out := &rules.FlapDetection{Cycles: f.Cycles}
	if f.Window != nil {
		d := time.Duration(*f.Window)
		out.Window = &d
	}
	if f.StableFor != nil {
		d := time.Duration(*f.StableFor)
		out.StableFor = &d
	}
	return out
}

func (f *FlapDetection) validate(add func(path, msg string)) {
	if f == nil {
		return
	}
	if f.Cycles != nil && (*f.Cycles < 0 || *f.Cycles > rules.MaxFlapCycles) {
		add("global.flap_detection.cycles", fmt.Sprintf("must be between 0 (off) and %d, got %d", rules.MaxFlapCycles, *f.Cycles))
	}
	if f.Window != nil && *f.Window <= 0 {
		add("global.flap_detection.window", "must be greater than 0")
	}
	if f.StableFor != nil && *f.StableFor <= 0 {
		add("global.flap_detection.stable_for", "must be greater than 0")
	}
}

// AlertQuality configures the alert-quality figures: the per-rule metrics
// and the history of firing episodes that alerter report and
// /api/v1/report read.
type AlertQuality struct {
	// FlapEvaluations: an episode that resolved within this many
	// evaluations of its rule after firing counts as a flap (as alerter
	// replay's --flap-evaluations). 3 by default.
	FlapEvaluations int `yaml:"flap_evaluations,omitempty"`
	// Retention is how long episodes are kept (30 days).
	Retention model.Duration `yaml:"retention,omitempty"`
	// MaxEpisodes bounds the episodes kept; beyond it the oldest go first
	// (100000).
	MaxEpisodes int `yaml:"max_episodes,omitempty"`
}

// Defaults of alert_quality.
const (
	DefaultFlapEvaluations  = 3
	DefaultEpisodeRetention = 30 * 24 * time.Hour
	DefaultMaxEpisodes      = 100000
)

func (q AlertQuality) validate(add func(path, msg string)) {
	if q.FlapEvaluations < 1 {
		add("alert_quality.flap_evaluations", fmt.Sprintf("must be at least 1, got %d", q.FlapEvaluations))
	}
	if q.Retention <= 0 {
		add("alert_quality.retention", "must be greater than 0")
	}
	if q.MaxEpisodes < 1 {
		add("alert_quality.max_episodes", fmt.Sprintf("must be at least 1, got %d", q.MaxEpisodes))
	}
}
