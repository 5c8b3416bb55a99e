// Package matcher implements Alertmanager's label matchers: the four
// operators, the text syntax that amtool, the v2 API and the `matchers:`
// fields of the configuration accept, and the canonical form Alertmanager
// prints. Routes, inhibition rules and silences written for Alertmanager
// therefore select the same alerts here.
package matcher

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Type is a matcher's operator.
type Type int

// The operators, with Alertmanager's spelling.
const (
	// Equal (=) matches a label whose value is exactly Value.
	Equal Type = iota
	// NotEqual (!=) matches a label whose value is not Value.
	NotEqual
	// Regexp (=~) matches a label whose whole value matches the regular
	// expression Value.
	Regexp
	// NotRegexp (!~) matches a label whose whole value does not match the
	// regular expression Value.
	NotRegexp
)

// String returns the operator as it is written in a matcher.
func (t Type) String() string {
	switch t {
	case Equal:
		return "="
	case NotEqual:
		return "!="
	case Regexp:
		return "=~"
	case NotRegexp:
		return "!~"
	default:
		return "Type(" + strconv.Itoa(int(t)) + ")"
	}
}

// IsRegex says whether the operator compares against a regular expression.
func (t Type) IsRegex() bool { return t == Regexp || t == NotRegexp }

// Matcher tests one label of an alert. Build it with New or Parse: the
// compiled regular expression is kept unexported so that a Matcher cannot
// hold a Value and a regular expression that disagree.
type Matcher struct {
	Type  Type
	Name  string
	Value string

	re *regexp.Regexp
}

// New returns a matcher, compiling Value for the regular-expression
// operators. As in Alertmanager the expression is fully anchored, so
// `foo=~"bar"` does not match "foobar".
func New(t Type, name, value string) (*Matcher, error) {
	if t < Equal || t > NotRegexp {
		return nil, fmt.Errorf("invalid matcher type %d", int(t))
	}
	if name == "" {
		return nil, errors.New("empty label name in matcher")
	}
	if !utf8.ValidString(name) {
		return nil, fmt.Errorf("label name %q is not valid UTF-8", name)
	}
	if !utf8.ValidString(value) {
		return nil, fmt.Errorf("value %q of label %q is not valid UTF-8", value, name)
	}
	m := &Matcher{Type: t, Name: name, Value: value}
	if t.IsRegex() {
		re, err := compileAnchored(value)
		if err != nil {
			return nil, fmt.Errorf("invalid regular expression %q for label %q: %w", value, name, err)
		}
		m.re = re
	}
	return m, nil
}

func compileAnchored(expr string) (*regexp.Regexp, error) {
	// The value must be a regex on its own: otherwise "a)|(.*" would
	// close the anchoring group and match everything.
	if _, err := regexp.Compile(expr); err != nil {
		return nil, err
	}
	return regexp.Compile("^(?:" + expr + ")$")
}

// Matches reports whether a label value satisfies the matcher. A label the
// alert does not have is matched as the empty string, as in Alertmanager.
func (m *Matcher) Matches(v string) bool {
	switch m.Type {
	case Equal:
		return v == m.Value
	case NotEqual:
		return v != m.Value
	case Regexp:
		return m.reMatch(v)
	case NotRegexp:
		return !m.reMatch(v)
	default:
		return false
	}
}

// reMatch matches v against the anchored expression. A Matcher built as a
// literal instead of by New has none compiled: it is compiled on each call
// then, and an expression that does not compile matches nothing.
func (m *Matcher) reMatch(v string) bool {
	re := m.re
	if re == nil {
		var err error
		if re, err = compileAnchored(m.Value); err != nil {
			return false
		}
	}
	return re.MatchString(v)
}

// MatchesEmpty reports whether the matcher matches the empty string, that
// is also alerts without the label. A silence needs at least one matcher
// for which this is false, or it would mute nearly everything.
func (m *Matcher) MatchesEmpty() bool { return m.Matches("") }

// String returns the matcher in Alertmanager's canonical form, which Parse
// (and Alertmanager) reads back to the same matcher: the value is
// always double-quoted with `\\`, `\"` and `\n` escaped; the label name is
// bare unless it contains whitespace or one of {}!=~,\"'` , in which case
// name and value are Go-quoted.
func (m *Matcher) String() string {
	if strings.ContainsFunc(m.Name, isReserved) {
		return strconv.Quote(m.Name) + m.Type.String() + strconv.Quote(m.Value)
	}
	var b strings.Builder
	b.Grow(len(m.Name) + len(m.Value) + 4)
	b.WriteString(m.Name)
	b.WriteString(m.Type.String())
	b.WriteByte('"')
	for i := 0; i < len(m.Value); i++ {
		switch c := m.Value[i]; c {
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
	b.WriteByte('"')
	return b.String()
}

// isReserved reports whether r cannot appear in an unquoted label name or
// value of the UTF-8 matcher syntax.
func isReserved(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("{}!=~,\\\"'`", r)
}
