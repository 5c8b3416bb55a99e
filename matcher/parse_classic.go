package matcher

import (
	"strings"
	"unicode/utf8"
)

// This file reads matchers the way Alertmanager's classic parser does.
// Alertmanager 0.27+ keeps that reading whenever it succeeds, even where
// the UTF-8 parser would read the text differently, so its quirks are part
// of the behaviour users rely on: values may be bare and contain spaces
// (`a=b c`), may be empty (`a=`), and inside them only `\"`, `\\` and `\n`
// are escapes. Its errors are not reported; Parse reports the clearer
// errors of the UTF-8 grammar instead.

// parseClassicList splits s on the commas outside double quotes, after
// removing one leading "{" and one trailing "}", and parses each part.
func parseClassicList(s string) (Matchers, bool) {
	s = strings.TrimPrefix(s, "{")
	s = strings.TrimSuffix(s, "}")
	var parts []string
	inQuotes, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',':
			if !inQuotes {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		case '"':
			if escaped {
				escaped = false
			} else {
				inQuotes = !inQuotes
			}
		case '\\':
			escaped = !escaped
		default:
			escaped = false
		}
	}
	// Only the last part may be blank: it is what a trailing comma leaves.
	if last := strings.TrimSpace(s[start:]); last != "" {
		parts = append(parts, last)
	}
	ms := make(Matchers, 0, len(parts))
	for _, p := range parts {
		m, ok := parseClassic(p)
		if !ok {
			return nil, false
		}
		ms = append(ms, m)
	}
	return ms, true
}

// parseClassic parses one matcher: optional whitespace, a label name of
// the classic form [a-zA-Z_:][a-zA-Z0-9_:]*, an operator, and the rest of
// the text, without surrounding whitespace, as the value.
func parseClassic(s string) (*Matcher, bool) {
	i := skipClassicSpace(s, 0)
	start := i
	for i < len(s) && isClassicNameByte(s[i], i == start) {
		i++
	}
	if i == start {
		return nil, false
	}
	name := s[start:i]
	i = skipClassicSpace(s, i)
	var t Type
	switch rest := s[i:]; {
	case strings.HasPrefix(rest, "=~"):
		t, i = Regexp, i+2
	case strings.HasPrefix(rest, "="):
		t, i = Equal, i+1
	case strings.HasPrefix(rest, "!="):
		t, i = NotEqual, i+2
	case strings.HasPrefix(rest, "!~"):
		t, i = NotRegexp, i+2
	default:
		return nil, false
	}
	i = skipClassicSpace(s, i)
	value, ok := classicValue(strings.TrimRight(s[i:], classicSpace))
	if !ok {
		return nil, false
	}
	m, err := New(t, name, value)
	return m, err == nil
}

// classicValue unquotes a value: a leading double quote must be closed by
// the last character, no other unescaped quote may appear, and a backslash
// not followed by `"`, `\` or `n` stands for itself.
func classicValue(raw string) (string, bool) {
	quoted := strings.HasPrefix(raw, `"`)
	if quoted {
		raw = raw[1:]
	}
	var b strings.Builder
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRuneInString(raw[i:])
		switch {
		case r == '\\' && i+1 < len(raw):
			next, nsize := utf8.DecodeRuneInString(raw[i+1:])
			switch next {
			case 'n':
				b.WriteByte('\n')
			case '"', '\\':
				b.WriteRune(next)
			default:
				b.WriteByte('\\')
				b.WriteRune(next)
			}
			i += 1 + nsize
			continue
		case r == '"':
			if !quoted || i+1 < len(raw) {
				return "", false
			}
			quoted = false // the closing quote, the last character
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String(), !quoted
}

// classicSpace is what the classic parser's \s matches: ASCII whitespace
// without \v.
const classicSpace = " \t\n\f\r"

func skipClassicSpace(s string, i int) int {
	for i < len(s) && strings.IndexByte(classicSpace, s[i]) >= 0 {
		i++
	}
	return i
}

func isClassicNameByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == ':':
		return true
	case c >= '0' && c <= '9':
		return !first
	}
	return false
}
