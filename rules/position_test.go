package rules

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestSourceAt maps offsets inside scalars of every style onto the file.
// The marker "@" in each value is where the offset points.
func TestSourceAt(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want [2]int
	}{
		{"plain", "k: ab@c\n", [2]int{1, 6}},
		{"single-quoted", "k: 'ab@c'\n", [2]int{1, 7}},
		{"double-quoted", "k:   \"ab@c\"\n", [2]int{1, 9}},
		{"multi-byte before", "k: é€@\n", [2]int{1, 6}},
		{"literal second line", "k: |\n  one\n    tw@o\n", [2]int{3, 7}},
		{"literal keep blank lines", "k: |-\n  one\n\n  t@\n", [2]int{4, 4}},
		{"folded second line", "k: >\n  one\n  tw@o\n", [2]int{3, 5}},
		{"folded after blank lines", "k: >\n  one\n\n\n  tw@o\n", [2]int{5, 5}},
		{"plain over lines", "k: one\n   two\n     thr@ee\n", [2]int{3, 9}},
		{"double-quoted over lines", "k: \"one\n  tw@o\"\n", [2]int{2, 5}},
		{"nested", "a:\n  - b: [x, \"y@\"]\n", [2]int{2, 14}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			n := findMarker(&doc)
			if n == nil {
				t.Fatal("no scalar with @")
			}
			off := strings.IndexByte(n.Value, '@')
			line, col := newSource([]byte(tt.doc)).at(n, off)
			if [2]int{line, col} != tt.want {
				t.Errorf("at(%q, %d) = %d:%d, want %d:%d", n.Value, off, line, col, tt.want[0], tt.want[1])
			}
		})
	}
}

func findMarker(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "@") {
		return n
	}
	for _, c := range n.Content {
		if m := findMarker(c); m != nil {
			return m
		}
	}
	return nil
}

func TestOffsetHelpers(t *testing.T) {
	if got := runeToByte("é€x", 2); got != 5 {
		t.Errorf("runeToByte = %d", got)
	}
	if got := lineToByte("a\nbc\nd", 3); got != 5 {
		t.Errorf("lineToByte = %d", got)
	}
	if got := lineToByte("a", 9); got != 0 {
		t.Errorf("lineToByte past the end = %d", got)
	}
}
