package promtest

import (
	"fmt"
	"slices"
	"strings"
)

// seriesKey renders `name{a="x",b="y"} ` with labels sorted by name: the
// start of the series' exposition line and its identity within a Source.
func seriesKey(name string, labels map[string]string) (string, error) {
	if !validMetricName(name) {
		return "", fmt.Errorf("invalid metric name %q", name)
	}
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		names := make([]string, 0, len(labels))
		for n := range labels {
			if !validLabelName(n) {
				return "", fmt.Errorf("metric %s: invalid label name %q", name, n)
			}
			names = append(names, n)
		}
		slices.Sort(names)
		b.WriteByte('{')
		for i, n := range names {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(n)
			b.WriteString(`="`)
			writeEscaped(&b, labels[n])
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	return b.String(), nil
}

// writeEscaped escapes a label value for the text format.
func writeEscaped(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
}

// validMetricName reports whether s matches [a-zA-Z_:][a-zA-Z0-9_:]*.
func validMetricName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c == '_' || c == ':' || (i > 0 && isDigit(c))) {
			return false
		}
	}
	return true
}

// validLabelName reports whether s matches [a-zA-Z_][a-zA-Z0-9_]* and is
// not reserved (a __ prefix).
func validLabelName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c == '_' || (i > 0 && isDigit(c))) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
