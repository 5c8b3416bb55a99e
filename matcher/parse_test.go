package matcher

import (
	"errors"
	"strings"
	"testing"
)

// m is a compact expected matcher.
type m3 struct {
	typ         Type
	name, value string
}

func eq(n, v string) m3  { return m3{Equal, n, v} }
func ne(n, v string) m3  { return m3{NotEqual, n, v} }
func re(n, v string) m3  { return m3{Regexp, n, v} }
func nre(n, v string) m3 { return m3{NotRegexp, n, v} }

func sameMatchers(got Matchers, want []m3) bool {
	if len(got) != len(want) {
		return false
	}
	for i, g := range got {
		if g.Type != want[i].typ || g.Name != want[i].name || g.Value != want[i].value {
			return false
		}
	}
	return true
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []m3
	}{
		// Empty input and empty braces.
		{``, []m3{}},
		{`   `, []m3{}},
		{`{}`, []m3{}},
		{`{ }`, []m3{}},
		// The four operators, bare and quoted values.
		{`foo=bar`, []m3{eq("foo", "bar")}},
		{`foo!=bar`, []m3{ne("foo", "bar")}},
		{`foo=~bar`, []m3{re("foo", "bar")}},
		{`foo!~bar`, []m3{nre("foo", "bar")}},
		{`foo="bar"`, []m3{eq("foo", "bar")}},
		{`foo=~"bar|baz"`, []m3{re("foo", "bar|baz")}},
		{`foo=""`, []m3{eq("foo", "")}},
		// Braces, commas, whitespace, trailing comma.
		{`{foo="bar"}`, []m3{eq("foo", "bar")}},
		{`{foo="bar",baz!~"q.*"}`, []m3{eq("foo", "bar"), nre("baz", "q.*")}},
		{`{ foo = "bar" , baz != "q" , }`, []m3{eq("foo", "bar"), ne("baz", "q")}},
		{`foo=bar,dings!=bums`, []m3{eq("foo", "bar"), ne("dings", "bums")}},
		{`foo=bar, dings!=bums,`, []m3{eq("foo", "bar"), ne("dings", "bums")}},
		{"\tfoo\t=\tbar\t,\n", []m3{eq("foo", "bar")}},
		{`{foo=bar,}`, []m3{eq("foo", "bar")}},
		// Quoted values keep commas, braces, operators and spaces.
		{`foo="a,b"`, []m3{eq("foo", "a,b")}},
		{`foo="{x}"`, []m3{eq("foo", "{x}")}},
		{`foo="a=b!~c"`, []m3{eq("foo", "a=b!~c")}},
		{`foo=" padded "`, []m3{eq("foo", " padded ")}},
		{`quote="She said: \"Hi, all!\""`, []m3{eq("quote", `She said: "Hi, all!"`)}},
		// The three escapes.
		{`foo="a\"b"`, []m3{eq("foo", `a"b`)}},
		{`foo="a\\b"`, []m3{eq("foo", `a\b`)}},
		{`foo="a\nb"`, []m3{eq("foo", "a\nb")}},
		// Any other backslash is kept, so regexes need no doubling.
		{`instance=~"host\d+"`, []m3{re("instance", `host\d+`)}},
		{`path=~"/api/v1/.+\.json"`, []m3{re("path", `/api/v1/.+\.json`)}},
		{`foo=~"\\d"`, []m3{re("foo", `\d`)}},
		{`foo="a\tb"`, []m3{eq("foo", `a\tb`)}}, // classic reading wins, as in AM
		{`foo="\u00e9"`, []m3{eq("foo", `\u00e9`)}},
		{`foo=bar\`, []m3{eq("foo", `bar\`)}},
		// Bare values: unicode, regex characters, spaces inside (classic).
		{`foo=Προμηθεύς`, []m3{eq("foo", "Προμηθεύς")}},
		{`statuscode=~5..`, []m3{re("statuscode", "5..")}},
		{`foo=~[a-z]+`, []m3{re("foo", "[a-z]+")}},
		{`foo=bar baz`, []m3{eq("foo", "bar baz")}},
		{`foo=`, []m3{eq("foo", "")}},
		{`foo!=`, []m3{ne("foo", "")}},
		// Classic names with colons and digits.
		{`a:b_1="x"`, []m3{eq("a:b_1", "x")}},
		// UTF-8 names: quoted, or bare when they have no reserved character.
		{`"foo bar"="baz"`, []m3{eq("foo bar", "baz")}},
		{`"foo"="bar"`, []m3{eq("foo", "bar")}},
		{`service.name=checkout`, []m3{eq("service.name", "checkout")}},
		{`{"a,b"=~"x", c=d}`, []m3{re("a,b", "x"), eq("c", "d")}},
		{`名前="値"`, []m3{eq("名前", "値")}},
		// When the UTF-8 reading is used, values follow Go's escapes.
		{`"a"="x\ty"`, []m3{eq("a", "x\ty")}},
		{`"a"="\u00e9"`, []m3{eq("a", "é")}},
		{`svc.name="a\tb", x="c"`, []m3{eq("svc.name", "a\tb"), eq("x", "c")}},
		// Trailing whitespace after a brace that the classic reading trips on.
		{`{foo="bar"} `, []m3{eq("foo", "bar")}},
		{` {foo="bar"}`, []m3{eq("foo", "bar")}},
		// The classic reading drops one brace on either side on its own and
		// takes single quotes literally, as Alertmanager does.
		{`{foo=bar`, []m3{eq("foo", "bar")}},
		{`foo=bar}`, []m3{eq("foo", "bar")}},
		{`foo='bar'`, []m3{eq("foo", "'bar'")}},
		// Even where that loses a brace of a bare regex: quote regexes.
		{`foo=~[a-z]{3}`, []m3{re("foo", "[a-z]{3")}},
		{`foo=~"[a-z]{3}"`, []m3{re("foo", "[a-z]{3}")}},
		// Order is kept.
		{`z=1,a=2`, []m3{eq("z", "1"), eq("a", "2")}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !sameMatchers(got, tt.want) {
			t.Errorf("Parse(%q) = %s, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{`,`, 0, `expected a label name, found ","`},
		{`{,}`, 1, `expected a label name, found ","`},
		{`foo=bar,,baz=q`, 8, `expected a label name, found ","`},
		{`{"foo"=bar`, 10, `missing closing "}"`},
		{`{foo`, 4, `expected an operator`},
		{`foo`, 3, `expected an operator "=", "!=", "=~" or "!~" after label name "foo", found end of input`},
		{`"foo"`, 5, `expected an operator`},
		{`"foo"=`, 6, `expected a value after "foo"=, found end of input`},
		{`foo=~"("`, 0, `invalid matcher "foo=~\"(\""`},
		{`foo!bar`, 3, `expected "!=" or "!~", found "!"`},
		{`foo="bar`, 4, `unterminated quoted text "\"bar"`},
		{`foo="bar"baz`, 9, `expected "," or "}" after matcher "foo=\"bar\"", found "baz"`},
		{`foo="bar" "baz"`, 10, `expected "," or "}"`},
		{`{foo="a"} x`, 10, `unexpected "x" after closing "}"`},
		{`{foo="a"}}`, 9, `unexpected "}" after closing "}"`},
		{`"foo"="bar"}`, 11, `unexpected "}" without an opening "{"`},
		{`~`, 0, `unexpected '~'`},
		{`"foo"='bar'`, 6, `unexpected '\''`},
		{`"a"="\q"`, 5, `invalid escape "\\q"`},
		{"\"a\"=\"x\ny\"", 6, `line break in quoted text`},
		{`""="x"`, 0, `empty label name`},
		{"foo=\"\xff\"", 5, `invalid UTF-8`},
		{"\"a\"=\"\\xff\"", 4, `not valid UTF-8 once unescaped`},
	}
	for _, tt := range tests {
		ms, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want an error", tt.in, ms)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error %T is not a *ParseError", tt.in, err)
			continue
		}
		if pe.Offset != tt.offset || !strings.Contains(err.Error(), tt.msg) || pe.Input != tt.in {
			t.Errorf("Parse(%q) error = %v (offset %d), want offset %d and %q", tt.in, err, pe.Offset, tt.offset, tt.msg)
		}
	}
}

func TestParseRegexErrorUnwraps(t *testing.T) {
	_, err := Parse(`a=~"x", b=~"[b-a]"`)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Err == nil || !strings.Contains(pe.Err.Error(), "invalid regular expression") {
		t.Fatalf("err = %v, want a ParseError wrapping the regexp error", err)
	}
	if pe.Offset != 8 {
		t.Errorf("offset = %d, want 8 (the start of the bad matcher)", pe.Offset)
	}
}

func TestParseMatcher(t *testing.T) {
	tests := []struct {
		in   string
		want m3
	}{
		{`foo=bar`, eq("foo", "bar")},
		{`foo!~"a|b"`, nre("foo", "a|b")},
		{` foo = "bar" `, eq("foo", "bar")},
		{`instance=~"host\d+"`, re("instance", `host\d+`)},
		{`foo=bar baz`, eq("foo", "bar baz")},
		// As in Alertmanager, the classic reading takes the rest as the value.
		{`foo=a,b`, eq("foo", "a,b")},
		{`foo=bar,`, eq("foo", "bar,")},
		{`"foo bar"="x"`, eq("foo bar", "x")},
		{`"a"="x", `, eq("a", "x")},
	}
	for _, tt := range tests {
		got, err := ParseMatcher(tt.in)
		if err != nil {
			t.Errorf("ParseMatcher(%q): %v", tt.in, err)
			continue
		}
		if !sameMatchers(Matchers{got}, []m3{tt.want}) {
			t.Errorf("ParseMatcher(%q) = %s, want %v", tt.in, got, tt.want)
		}
	}
	bad := []struct{ in, msg string }{
		{`{foo="bar"}`, "no braces"},
		{`foo="bar"}`, "no braces"},
		{``, "no matcher"},
		{`"a"="b","c"="d"`, "expected one matcher, found 2"},
		{`foo`, "expected an operator"},
		{`foo=~"("`, "invalid regular expression"},
	}
	for _, tt := range bad {
		got, err := ParseMatcher(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseMatcher(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.msg)
		}
	}
}

func TestParseNeverPanicsOnOddInput(t *testing.T) {
	odd := []string{`{`, `}`, `{{}}`, `"`, `\`, `=`, `!`, `!=`, `=~`, `a=~`, `"\`, `{"a"`, "\x00", `a="\"`, `a=""""`}
	for _, s := range odd {
		_, _ = Parse(s)
		_, _ = ParseMatcher(s)
	}
}
