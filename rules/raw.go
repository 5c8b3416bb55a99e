package rules

import "go.yaml.in/yaml/v3"

// The raw types are the rule file's shape for strict decoding. Their
// fields are yaml.Node so that validation can point at each value; every
// value is converted and checked by the parse functions.

// rawFile is a whole rule file.
type rawFile struct {
	Groups []yaml.Node `yaml:"groups"`
}

// rawGroup is one entry of groups.
type rawGroup struct {
	Name        yaml.Node `yaml:"name"`
	Interval    yaml.Node `yaml:"interval"`
	Schedule    yaml.Node `yaml:"schedule"`
	QueryOffset yaml.Node `yaml:"query_offset"`
	Limit       yaml.Node `yaml:"limit"`
	Labels      yaml.Node `yaml:"labels"`
	// FlapDetection is alerter's extension (see FlapDetection).
	FlapDetection yaml.Node   `yaml:"flap_detection"`
	Rules         []yaml.Node `yaml:"rules"`
}

// rawRule is one entry of a group's rules.
type rawRule struct {
	Alert         yaml.Node   `yaml:"alert"`
	Record        yaml.Node   `yaml:"record"`
	Expr          yaml.Node   `yaml:"expr"`
	Query         yaml.Node   `yaml:"query"`
	Condition     yaml.Node   `yaml:"condition"`
	Resolve       yaml.Node   `yaml:"resolve"`
	Severities    []yaml.Node `yaml:"severities"`
	For           yaml.Node   `yaml:"for"`
	KeepFiringFor yaml.Node   `yaml:"keep_firing_for"`
	Labels        yaml.Node   `yaml:"labels"`
	Annotations   yaml.Node   `yaml:"annotations"`
	Pushdown      yaml.Node   `yaml:"pushdown"`
	FlapDetection yaml.Node   `yaml:"flap_detection"`
}

// rawFlap is a flap_detection block.
type rawFlap struct {
	Cycles    yaml.Node `yaml:"cycles"`
	Window    yaml.Node `yaml:"window"`
	StableFor yaml.Node `yaml:"stable_for"`
}

// rawSeverity is one entry of a rule's severities.
type rawSeverity struct {
	Severity  yaml.Node `yaml:"severity"`
	Condition yaml.Node `yaml:"condition"`
}

// present reports whether a key was given with a non-null value.
func present(n *yaml.Node) bool {
	return n.Kind != 0 && !(n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}
