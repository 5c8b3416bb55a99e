package matcher

import (
	"testing"
)

// FuzzParse checks that Parse and ParseMatcher never panic and that
// whatever they accept prints, with String, as text they read back to the
// same matchers.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `foo=bar`, `{foo="bar",baz!~"q.*",}`, `a=~"host\d+"`, `"a b"="c\td"`,
		`foo=bar baz`, `a="x\"y\\z\n"`, `svc.name=x`, `{a=b`, `a=b}`, `a="\u00e9"`,
		`名前=~"値|x"`, `a=`, `"a"="x", b=c`, `{"a,b"!="}"}`, "a=\"\x00\r\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ms, err := Parse(s); err == nil {
			text := ms.String()
			back, err := Parse(text)
			if err != nil {
				t.Fatalf("Parse(%q) = %s, which does not parse: %v", s, text, err)
			}
			if !equalMatchers(ms, back) {
				t.Fatalf("Parse(%q) = %s, which parses as %s", s, text, back)
			}
		}
		if m, err := ParseMatcher(s); err == nil {
			text := m.String()
			back, err := ParseMatcher(text)
			if err != nil {
				t.Fatalf("ParseMatcher(%q) = %s, which does not parse: %v", s, text, err)
			}
			if !equalMatchers(Matchers{m}, Matchers{back}) {
				t.Fatalf("ParseMatcher(%q) = %s, which parses as %s", s, text, back)
			}
		}
	})
}

func equalMatchers(a, b Matchers) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Name != b[i].Name || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}
