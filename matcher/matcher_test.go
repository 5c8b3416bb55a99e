package matcher

import (
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
)

func mustNew(t *testing.T, typ Type, name, value string) *Matcher {
	t.Helper()
	m, err := New(typ, name, value)
	if err != nil {
		t.Fatalf("New(%v, %q, %q): %v", typ, name, value, err)
	}
	return m
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name        string
		typ         Type
		label, val  string
		wantErrPart string
	}{
		{"bad regex", Regexp, "a", "(", "invalid regular expression"},
		{"bad negative regex", NotRegexp, "a", "[z-a]", "invalid regular expression"},
		{"empty name", Equal, "", "x", "empty label name"},
		{"invalid utf8 name", Equal, "a\xff", "x", "not valid UTF-8"},
		{"invalid utf8 value", Equal, "a", "\xff", "not valid UTF-8"},
		{"unknown type", Type(9), "a", "x", "invalid matcher type"},
		{"negative type", Type(-1), "a", "x", "invalid matcher type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.typ, tt.label, tt.val)
			if err == nil || !strings.Contains(err.Error(), tt.wantErrPart) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErrPart)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		typ   Type
		value string
		in    string
		want  bool
	}{
		{Equal, "foo", "foo", true},
		{Equal, "foo", "foobar", false},
		{Equal, "", "", true},
		{Equal, "", "x", false},
		{NotEqual, "foo", "foo", false},
		{NotEqual, "foo", "bar", true},
		{NotEqual, "foo", "", true},
		// Regular expressions are anchored at both ends.
		{Regexp, "foo", "foo", true},
		{Regexp, "foo", "foobar", false},
		{Regexp, "foo", "barfoo", false},
		{Regexp, "foo|bar", "bar", true},
		{Regexp, "foo|bar", "foobar", false}, // ^(?:foo|bar)$, not ^foo|bar$
		{Regexp, "a.*", "abc", true},
		{Regexp, ".*", "", true},
		{Regexp, ".+", "", false},
		{Regexp, `host\d+`, "host12", true},
		{Regexp, "a.c", "a\nc", false}, // no (?s), as in Alertmanager
		{Regexp, "(?s)a.c", "a\nc", true},
		{NotRegexp, "foo|bar", "foo", false},
		{NotRegexp, "foo|bar", "foobar", true},
		{NotRegexp, "foo", "", true},
		{NotRegexp, ".*", "anything", false},
	}
	for _, tt := range tests {
		m := mustNew(t, tt.typ, "l", tt.value)
		if got := m.Matches(tt.in); got != tt.want {
			t.Errorf("%s matches %q = %v, want %v", m, tt.in, got, tt.want)
		}
	}
}

func TestMatchesLiteralMatcher(t *testing.T) {
	// A Matcher built as a literal, without New, still matches correctly.
	m := &Matcher{Type: Regexp, Name: "a", Value: "b|c"}
	if !m.Matches("c") || m.Matches("bc") {
		t.Error("literal regexp matcher matches wrongly")
	}
	bad := &Matcher{Type: Regexp, Name: "a", Value: "("}
	if bad.Matches("(") {
		t.Error("uncompilable regexp matched")
	}
	nbad := &Matcher{Type: NotRegexp, Name: "a", Value: "("}
	if !nbad.Matches("(") {
		t.Error("uncompilable negative regexp did not match")
	}
	if (&Matcher{Type: Type(7)}).Matches("") {
		t.Error("unknown type matched")
	}
}

func TestMatchesEmpty(t *testing.T) {
	tests := []struct {
		typ   Type
		value string
		want  bool
	}{
		{Equal, "", true},
		{Equal, "x", false},
		{NotEqual, "", false},
		{NotEqual, "x", true},
		{Regexp, ".*", true},
		{Regexp, ".+", false},
		{Regexp, "a|", true},
		{NotRegexp, ".*", false},
		{NotRegexp, "x", true},
	}
	for _, tt := range tests {
		m := mustNew(t, tt.typ, "l", tt.value)
		if got := m.MatchesEmpty(); got != tt.want {
			t.Errorf("%s MatchesEmpty = %v, want %v", m, got, tt.want)
		}
	}
}

func TestMatchersMatches(t *testing.T) {
	ms := Matchers{
		mustNew(t, Equal, "alertname", "HighLatency"),
		mustNew(t, NotEqual, "team", "frontend"),
		mustNew(t, Regexp, "severity", "warning|critical"),
	}
	tests := []struct {
		ls   model.LabelSet
		want bool
	}{
		{model.LabelSet{"alertname": "HighLatency", "severity": "critical"}, true},
		{model.LabelSet{"alertname": "HighLatency", "severity": "critical", "team": "backend"}, true},
		{model.LabelSet{"alertname": "HighLatency", "severity": "critical", "team": "frontend"}, false},
		{model.LabelSet{"alertname": "HighLatency", "severity": "info"}, false},
		{model.LabelSet{"alertname": "HighLatency"}, false}, // missing severity is ""
		{model.LabelSet{}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := ms.Matches(tt.ls); got != tt.want {
			t.Errorf("%s matches %s = %v, want %v", ms, tt.ls, got, tt.want)
		}
	}
	if !(Matchers{}).Matches(model.LabelSet{"a": "b"}) || !Matchers(nil).Matches(nil) {
		t.Error("empty matchers must match everything")
	}
	missing := Matchers{mustNew(t, Equal, "team", "")}
	if !missing.Matches(model.LabelSet{"a": "b"}) {
		t.Error(`team="" must match an alert without team`)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		m    *Matcher
		want string
	}{
		{mustNew(t, Equal, "foo", "bar"), `foo="bar"`},
		{mustNew(t, NotEqual, "foo", "bar"), `foo!="bar"`},
		{mustNew(t, Regexp, "foo", `ba\d+`), `foo=~"ba\\d+"`},
		{mustNew(t, NotRegexp, "foo", "a|b"), `foo!~"a|b"`},
		{mustNew(t, Equal, "foo", ""), `foo=""`},
		{mustNew(t, Equal, "foo", "say \"hi\"\nnow\\"), `foo="say \"hi\"\nnow\\"`},
		// Other characters are written as they are.
		{mustNew(t, Equal, "foo", "tab\there é"), "foo=\"tab\there é\""},
		// Names with reserved characters are quoted, with the value.
		{mustNew(t, Equal, "foo bar", "x\ty"), `"foo bar"="x\ty"`},
		{mustNew(t, Equal, "a=b", "c"), `"a=b"="c"`},
		{mustNew(t, Equal, "a,b", "c"), `"a,b"="c"`},
		{mustNew(t, Equal, `a"b`, "c"), `"a\"b"="c"`},
		// Names that are not classic but have no reserved character are not.
		{mustNew(t, Equal, "service.name", "x"), `service.name="x"`},
		{mustNew(t, Equal, "名前", "値"), `名前="値"`},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
	}
	ms := Matchers{mustNew(t, Equal, "a", "b"), mustNew(t, Regexp, "c", "d|e")}
	if got, want := ms.String(), `{a="b",c=~"d|e"}`; got != want {
		t.Errorf("Matchers.String() = %s, want %s", got, want)
	}
	if got := (Matchers{}).String(); got != "{}" {
		t.Errorf("empty Matchers.String() = %s", got)
	}
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{Equal: "=", NotEqual: "!=", Regexp: "=~", NotRegexp: "!~", Type(8): "Type(8)"} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(typ), got, want)
		}
	}
}

func TestCompare(t *testing.T) {
	ms := Matchers{
		mustNew(t, Regexp, "b", "x"),
		mustNew(t, Equal, "b", "x"),
		mustNew(t, Equal, "a", "z"),
		mustNew(t, NotEqual, "b", "a"),
	}
	slices.SortFunc(ms, Compare)
	if got, want := ms.String(), `{a="z",b!="a",b="x",b=~"x"}`; got != want {
		t.Errorf("sorted = %s, want %s", got, want)
	}
}

func TestRegexCannotEscapeAnchoring(t *testing.T) {
	if _, err := New(Regexp, "foo", "a)|(.*"); err == nil {
		t.Fatal(`"a)|(.*" accepted: it would match every value`)
	}
}
