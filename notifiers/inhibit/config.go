// Package inhibit mutes alerts while related, more important alerts fire,
// with Alertmanager's inhibit_rules semantics: the same keys, the same
// meaning of equal (a label missing on both sides counts as equal) and the
// same guard against alerts inhibiting each other.
package inhibit

import (
	"github.com/alerter/alerter/matcher"
)

// RuleConfig is one entry of `inhibit_rules:`, with Alertmanager's keys.
type RuleConfig struct {
	// Name optionally names the rule, as in recent Alertmanager releases,
	// for logs and metrics.
	Name string `yaml:"name,omitempty"`
	// SourceMatchers select the firing alerts that inhibit.
	SourceMatchers matcher.Matchers `yaml:"source_matchers,omitempty"`
	// TargetMatchers select the alerts that can be inhibited.
	TargetMatchers matcher.Matchers `yaml:"target_matchers,omitempty"`
	// Equal lists the labels that must have the same value on source and
	// target. A label missing on both sides counts as equal.
	Equal []string `yaml:"equal,omitempty"`

	// The deprecated forms: label name to exact value, and label name to
	// an anchored regular expression.
	SourceMatch   map[string]string `yaml:"source_match,omitempty"`
	SourceMatchRE map[string]string `yaml:"source_match_re,omitempty"`
	TargetMatch   map[string]string `yaml:"target_match,omitempty"`
	TargetMatchRE map[string]string `yaml:"target_match_re,omitempty"`
}
