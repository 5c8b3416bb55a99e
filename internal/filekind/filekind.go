// Package filekind tells what a YAML file handed to alerter looks like (a
// rule file, a main configuration, a Kubernetes PrometheusRule, a promtool
// test file, Prometheus's own configuration...), so that loaders given the
// wrong kind of file say so instead of listing its keys as unknown.
package filekind

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Kind is a kind of file.
type Kind int

// The kinds of files alerter recognises.
const (
	// Unknown is a mapping of none of the kinds below, or not a mapping.
	Unknown Kind = iota
	// Empty has no content, or is an empty mapping.
	Empty
	// RuleFile is a Prometheus (or alerter) rule file: a "groups" key.
	RuleFile
	// Config is alerter's main configuration or Alertmanager's, which
	// share their notification keys.
	Config
	// PrometheusRule is the Kubernetes object of the Prometheus Operator,
	// whose rules are under .spec.
	PrometheusRule
	// Kubernetes is another Kubernetes object (a ConfigMap, ...).
	Kubernetes
	// RuleTest is a promtool rule unit test file.
	RuleTest
	// PrometheusConfig is Prometheus's own configuration (prometheus.yml).
	PrometheusConfig
)

// Description is what a document looks like and, for the kinds a loader
// may be given by mistake, a hint saying what to do with it.
type Description struct {
	Kind Kind
	// Line and Column locate the key that gave the kind away.
	Line, Column int
	// Hint says what the file is and what to do with it.
	Hint string
}

// configKeys are top-level keys only a main configuration (alerter's or
// Alertmanager's) has.
var configKeys = []string{"route", "receivers", "inhibit_rules", "templates", "time_intervals", "mute_time_intervals",
	"datasource", "storage", "web", "escalation_policies", "maintenance_windows", "storm_control", "delivery", "silences"}

// Describe tells what the document doc (as decoded by yaml.v3) is.
func Describe(doc *yaml.Node) Description {
	n := doc
	if n != nil && n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return Description{Kind: Empty, Line: 1, Column: 1, Hint: "the file is empty"}
		}
		n = n.Content[0]
	}
	if n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return Description{Kind: Empty, Line: 1, Column: 1, Hint: "the file is empty"}
	}
	if n.Kind != yaml.MappingNode {
		return Description{Kind: Unknown, Line: n.Line, Column: n.Column}
	}
	if len(n.Content) == 0 {
		return Description{Kind: Empty, Line: n.Line, Column: n.Column, Hint: "the file is an empty mapping"}
	}
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys[n.Content[i].Value] = n.Content[i+1]
		if _, ok := keys[n.Content[i].Value+"@key"]; !ok {
			keys[n.Content[i].Value+"@key"] = n.Content[i]
		}
	}
	at := func(k Kind, key, hint string) Description {
		kn := keys[key+"@key"]
		return Description{Kind: k, Line: kn.Line, Column: kn.Column, Hint: hint}
	}
	if kind, ok := keys["kind"]; ok && keys["apiVersion"] != nil {
		if kind.Value == "PrometheusRule" {
			return at(PrometheusRule, "kind", "this is a Kubernetes PrometheusRule object: the rules are under .spec; extract .spec into a rule file (for example `yq .spec rules.yaml > rules.yml`)")
		}
		return at(Kubernetes, "kind", fmt.Sprintf("this is a Kubernetes %s object, not a file alerter reads; extract the rule file or configuration it holds", kind.Value))
	}
	if keys["tests"] != nil && (keys["rule_files"] != nil || keys["evaluation_interval"] != nil || keys["group_eval_order"] != nil) {
		return at(RuleTest, "tests", "this is a rule unit test file (promtool test rules): use alerter test")
	}
	if keys["groups"] != nil {
		return at(RuleFile, "groups", "this is a rule file: list it under rule_files in the configuration (or pass it with --rules)")
	}
	for _, k := range []string{"scrape_configs", "alerting", "remote_read", "scrape_config_files"} {
		if keys[k] != nil && keys["datasource"] == nil && keys["route"] == nil {
			return at(PrometheusConfig, k, fmt.Sprintf("this is Prometheus's configuration (it has %s): alerter reads its rule_files, not the file itself", k))
		}
	}
	for _, k := range configKeys {
		if keys[k] != nil {
			return at(Config, k, "this is an alerter or Alertmanager configuration: pass it with --config; rule files are listed under its rule_files")
		}
	}
	if keys["global"] != nil || keys["rule_files"] != nil {
		return at(Config, firstOf(keys, "global", "rule_files"), "this is an alerter or Alertmanager configuration: pass it with --config; rule files are listed under its rule_files")
	}
	return Description{Kind: Unknown, Line: n.Line, Column: n.Column}
}

func firstOf(keys map[string]*yaml.Node, names ...string) string {
	for _, k := range names {
		if keys[k] != nil {
			return k
		}
	}
	return names[0]
}

// String is a short name of the kind, for messages.
func (k Kind) String() string {
	switch k {
	case Empty:
		return "empty file"
	case RuleFile:
		return "rule file"
	case Config:
		return "configuration"
	case PrometheusRule:
		return "Kubernetes PrometheusRule"
	case Kubernetes:
		return "Kubernetes object"
	case RuleTest:
		return "rule unit test file"
	case PrometheusConfig:
		return "Prometheus configuration"
	default:
		return "unknown"
	}
}
