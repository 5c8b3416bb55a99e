package rules

import (
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// source is the text of one rule file, kept to map a position inside a
// scalar's value (a PromQL, condition or template error) back onto the
// file.
type source struct {
	lines []string
}

func newSource(content []byte) *source {
	return &source{lines: strings.Split(string(content), "\n")}
}

// line returns line l (1-based) without its line break, or "".
func (s *source) line(l int) string {
	if l < 1 || l > len(s.lines) {
		return ""
	}
	return strings.TrimSuffix(s.lines[l-1], "\r")
}

// at returns the file position of byte offset off of the value of scalar
// n. It is exact for single-line scalars without escapes and for literal
// block scalars (|); for folded (>) and multi-line flow scalars it follows
// YAML's line folding, and double-quoted escapes may shift the column.
func (s *source) at(n *yaml.Node, off int) (line, col int) {
	v := n.Value
	off = max(0, min(off, len(v)))
	switch {
	case n.Style&yaml.LiteralStyle != 0:
		return s.literal(n, off)
	case n.Style&yaml.FoldedStyle != 0:
		return s.folded(n.Line+1, blockIndent(s, n), off)
	}
	startCol := n.Column
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		startCol++
	}
	if !strings.Contains(v, "\n") && !s.continues(n, startCol) {
		return n.Line, startCol + utf8.RuneCountInString(v[:off])
	}
	// A flow scalar over several lines: the rest of the first line, then
	// each following line without its indentation, joined by one space.
	first := rightTrim(skipRunes(s.line(n.Line), startCol-1))
	if off <= len(first) {
		return n.Line, startCol + utf8.RuneCountInString(first[:off])
	}
	return s.folded(n.Line+1, -1, off-len(first)-1)
}

// continues reports whether a flow scalar starting at startCol on n.Line
// goes on to the next line, which a value without "\n" does when folded.
func (s *source) continues(n *yaml.Node, startCol int) bool {
	rest := rightTrim(skipRunes(s.line(n.Line), startCol-1))
	return len(rest) < len(n.Value)
}

// literal maps an offset of a literal block scalar: the value's lines are
// the file's lines after the indicator, less the block's indentation.
func (s *source) literal(n *yaml.Node, off int) (line, col int) {
	before := n.Value[:off]
	k := strings.Count(before, "\n")
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return n.Line + 1 + k, blockIndent(s, n) + 1 + utf8.RuneCountInString(before[lineStart:])
}

// folded walks lines from line `from`, each stripped of indent spaces (or
// of all leading blanks when indent < 0), counting how many bytes each
// adds to the folded value, until it reaches off.
func (s *source) folded(from, indent, off int) (line, col int) {
	pos := 0
	blank := false
	last := from
	for l := from; l <= len(s.lines); l++ {
		text := s.line(l)
		var ind int
		if indent < 0 {
			trimmed := strings.TrimLeft(text, " \t")
			ind = utf8.RuneCountInString(text) - utf8.RuneCountInString(trimmed)
			text = trimmed
		} else {
			ind = min(indent, leadingSpaces(text))
			text = text[ind:]
		}
		text = rightTrim(text)
		if text == "" {
			// The first blank line turns the pending space into a line
			// break; each further one adds a line break.
			if blank {
				pos++
			}
			blank = true
			continue
		}
		blank = false
		last = l
		if off <= pos+len(text) {
			return l, ind + 1 + utf8.RuneCountInString(text[:off-pos])
		}
		pos += len(text) + 1
	}
	return last, 1
}

// blockIndent finds the indentation of a block scalar's content: that of
// its first non-blank line.
func blockIndent(s *source, n *yaml.Node) int {
	for l := n.Line + 1; l <= len(s.lines); l++ {
		if text := s.line(l); strings.TrimSpace(text) != "" {
			return leadingSpaces(text)
		}
	}
	return 0
}

func leadingSpaces(s string) int {
	return len(s) - len(strings.TrimLeft(s, " "))
}

func rightTrim(s string) string { return strings.TrimRight(s, " \t") }

// skipRunes drops the first n runes of s.
func skipRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[i:]
		}
		n--
	}
	return ""
}

// runeToByte converts a rune index of s to a byte offset.
func runeToByte(s string, r int) int {
	for i := range s {
		if r == 0 {
			return i
		}
		r--
	}
	return len(s)
}

// lineToByte returns the byte offset where line l (1-based) of s starts.
func lineToByte(s string, l int) int {
	off := 0
	for ; l > 1; l-- {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return off
		}
		off += i + 1
	}
	return off
}
