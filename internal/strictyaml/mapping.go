package strictyaml

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// maxMergeDepth bounds merge keys whose values themselves use merge keys.
const maxMergeDepth = 100

// pair is one key of a mapping with its value, after merge keys are applied.
type pair struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
}

// pairs lists the keys of mapping n in order, reporting non-scalar and
// repeated keys. Keys brought in by merge keys (<<) come after the
// explicit ones and never override them; among several merged mappings
// the earlier wins, as the YAML merge key spec says.
func (d *decoder) pairs(n *yaml.Node, path string, depth int) []pair {
	var (
		out    []pair
		merges []*yaml.Node
		seen   = map[string]*yaml.Node{}
	)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k == nil || !d.spend(k) {
			continue
		}
		if isMerge(k) {
			merges = append(merges, n.Content[i+1])
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, fmt.Sprintf("mapping keys must be scalars, got %s", describeNode(k)))
			continue
		}
		if isNull(k) {
			d.fail(k, path, "mapping keys must not be null")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, path, fmt.Sprintf("duplicate key %q (first defined at line %d)", k.Value, first.Line))
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{key: k.Value, keyNode: k, val: n.Content[i+1]})
	}
	for _, m := range merges {
		for _, src := range d.mergeSources(m, path) {
			if depth >= maxMergeDepth {
				d.fail(src, path, "merge keys nested too deeply")
				continue
			}
			for _, p := range d.pairs(src, path, depth+1) {
				if _, ok := seen[p.key]; !ok {
					seen[p.key] = p.keyNode
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// mergeSources returns the mappings named by the value of a merge key: a
// mapping, or a sequence of mappings (usually aliases).
func (d *decoder) mergeSources(m *yaml.Node, path string) []*yaml.Node {
	m = resolve(m)
	if m == nil {
		return nil
	}
	const msg = "the value of a merge key (<<) must be a mapping or a sequence of mappings"
	switch m.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{m}
	case yaml.SequenceNode:
		out := make([]*yaml.Node, 0, len(m.Content))
		for _, c := range m.Content {
			c = resolve(c)
			if c == nil {
				continue
			}
			if c.Kind != yaml.MappingNode {
				d.fail(c, path, msg)
				continue
			}
			out = append(out, c)
		}
		return out
	default:
		d.fail(m, path, msg)
		return nil
	}
}

// isMerge reports whether key node k is the merge key `<<`.
func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" &&
		(k.Tag == "" || k.Tag == "!" || k.ShortTag() == "!!merge")
}
