package strictyaml

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// obsoleteUnmarshaler is yaml.v2's Unmarshaler, which yaml.v3 still honours
// and prometheus/common's types implement.
type obsoleteUnmarshaler interface {
	UnmarshalYAML(unmarshal func(any) error) error
}

// validator is the Validate method of prometheus/common config types, which
// their UnmarshalYAML calls after decoding.
type validator interface {
	Validate() error
}

var (
	nodeType        = reflect.TypeFor[yaml.Node]()
	nodePtrType     = reflect.TypeFor[*yaml.Node]()
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	obsoleteType    = reflect.TypeFor[obsoleteUnmarshaler]()
	textType        = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
	linePrefix      = regexp.MustCompile(`^line \d+: `)
)

// hasUnmarshaler reports whether t or *t has an UnmarshalYAML method.
func hasUnmarshaler(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(unmarshalerType) || pt.Implements(obsoleteType) ||
		t.Implements(unmarshalerType) || t.Implements(obsoleteType)
}

// fromText reports whether struct type t is decoded from a scalar by
// yaml.v3: time.Time and encoding.TextUnmarshaler implementations.
func fromText(t reflect.Type) bool {
	return t == timeType || reflect.PointerTo(t).Implements(textType)
}

// hasYAMLTags reports whether struct t has a field with a yaml tag, which
// tells a config struct apart from a struct decoded from a scalar (like
// prometheus/common's config.URL).
func hasYAMLTags(t reflect.Type) bool {
	for i := range t.NumField() {
		if _, ok := t.Field(i).Tag.Lookup("yaml"); ok {
			return true
		}
	}
	return false
}

// resolve follows alias nodes to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == maxAliasChain {
			return nil
		}
		n = n.Alias
	}
	return n
}

// isNull reports whether n is the null scalar (~, null, or nothing).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// countNodes counts the nodes of the tree under n without following aliases.
func countNodes(n *yaml.Node) int {
	count := 0
	stack := []*yaml.Node{n}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		count++
		stack = append(stack, top.Content...)
	}
	return count
}

// describeNode names what n is, for "expected X, got Y" messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return fmt.Sprintf("the scalar %q", v)
	default:
		return "a YAML node of another kind"
	}
}

// describeType names t for "expected X, got Y" messages.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return "a scalar (" + t.String() + ")"
	}
}

// cleanYAMLError turns a yaml.v3 decoding error into a message without the
// "yaml: unmarshal errors" and "line N:" decorations, since Error carries
// the position.
func cleanYAMLError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			msgs[i] = linePrefix.ReplaceAllString(m, "")
		}
		return strings.Join(msgs, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
