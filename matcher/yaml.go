package matcher

import (
	"errors"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// UnmarshalYAML reads a `matchers:` field as Alertmanager does: a list of
// strings, each holding one or more comma-separated matchers, collected and
// sorted. Every bad entry is reported, each with its line:col.
func (ms *Matchers) UnmarshalYAML(n *yaml.Node) error {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		*ms = nil
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d:%d: matchers must be a list of strings, such as [%q]",
			n.Line, n.Column, `severity="critical"`)
	}
	var (
		out  Matchers
		errs []error
	)
	for _, c := range n.Content {
		c = resolveAlias(c)
		if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
			errs = append(errs, fmt.Errorf("line %d:%d: a matcher must be a string", c.Line, c.Column))
			continue
		}
		parsed, err := Parse(c.Value)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d:%d: %w", c.Line, c.Column, err))
			continue
		}
		out = append(out, parsed...)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	slices.SortFunc(out, Compare)
	*ms = out
	return nil
}

// MarshalYAML writes the matchers as a list of strings, one canonical
// matcher each, which UnmarshalYAML reads back.
func (ms Matchers) MarshalYAML() (any, error) {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out, nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}
