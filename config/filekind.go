package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/internal/filekind"
)

// notAConfig recognises files that are not a main configuration (a rule
// file, a Kubernetes PrometheusRule, a promtool test file, Prometheus's
// configuration) and says what they look like, instead of listing their
// keys as unknown.
func notAConfig(doc *yaml.Node) *Error {
	d := filekind.Describe(doc)
	switch d.Kind {
	case filekind.RuleFile, filekind.PrometheusRule, filekind.Kubernetes, filekind.RuleTest, filekind.PrometheusConfig:
		return &Error{Line: d.Line, Column: d.Column, Msg: "not an alerter configuration: " + d.Hint}
	}
	return nil
}
