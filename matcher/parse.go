package matcher

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ParseError says what is wrong with matcher text and where.
type ParseError struct {
	// Input is the whole text that was parsed.
	Input string
	// Offset is the byte offset in Input where the problem starts.
	Offset int
	// Msg describes the problem, quoting the offending text.
	Msg string
	// Err is the underlying cause, such as a regular-expression error, or nil.
	Err error
}

// Error formats the error as `matchers "<input>": offset N: msg[: cause]`.
func (e *ParseError) Error() string {
	s := fmt.Sprintf("matchers %q: offset %d: %s", e.Input, e.Offset, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Parse parses zero or more comma-separated matchers, as written in a
// route's `matchers:` list, an amtool command line or an API filter:
//
//	{alertname="Watchdog", severity=~"warning|critical",}
//	service!=frontend, "host.name"="a b"
//
// It behaves as Alertmanager 0.27+ does by default, which parses with its
// classic parser and, where that fails, with the UTF-8 parser: surrounding
// braces are optional, a trailing comma is allowed, names and values may be
// bare or double-quoted, and in quoted values `\"`, `\\` and `\n` are
// escapes while a backslash before anything else is kept, so
// `instance=~"host\d+"` works. Empty input gives no matchers. The error,
// if any, is a *ParseError.
func Parse(s string) (Matchers, error) {
	if err := checkUTF8(s); err != nil {
		return nil, err
	}
	if ms, ok := parseClassicList(s); ok {
		return ms, nil
	}
	return parseUTF8(s)
}

// ParseMatcher parses exactly one matcher, without braces, as an API
// filter parameter holds it. Like Alertmanager's, the classic reading wins
// where it succeeds, so `a=b,c` is the single matcher a="b,c".
func ParseMatcher(s string) (*Matcher, error) {
	if strings.HasPrefix(s, "{") || strings.HasSuffix(s, "}") {
		off := 0
		if !strings.HasPrefix(s, "{") {
			off = len(s) - 1
		}
		return nil, &ParseError{Input: s, Offset: off, Msg: "a single matcher takes no braces"}
	}
	if err := checkUTF8(s); err != nil {
		return nil, err
	}
	if m, ok := parseClassic(s); ok {
		return m, nil
	}
	ms, err := parseUTF8(s)
	if err != nil {
		return nil, err
	}
	switch len(ms) {
	case 1:
		return ms[0], nil
	case 0:
		return nil, &ParseError{Input: s, Msg: "no matcher"}
	default:
		return nil, &ParseError{Input: s, Msg: fmt.Sprintf("expected one matcher, found %d", len(ms))}
	}
}

func checkUTF8(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return &ParseError{Input: s, Offset: i, Msg: "invalid UTF-8"}
			}
		}
	}
	return nil
}
