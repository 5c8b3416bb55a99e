package matcher

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// EmptyRule says which matchers count as matching an alert that lacks
// their label (as matching the empty string), for CheckSelective.
type EmptyRule int

const (
	// Literal counts every matcher that matches the empty string. Each of
	// {foo!="bar"}, {x=~".*"} and {x=""} on its own selects every alert
	// that has no such label, which in practice is every alert, and is
	// refused. Acknowledgements use it.
	Literal EmptyRule = iota
	// AlertmanagerSilence is Alertmanager's rule for silences
	// (validateSilence's matchesEmpty): only = and =~ matchers are asked;
	// != and !~ never count, so {env!="prod"} alone is a valid silence.
	// Silences and maintenance windows keep it, so that silences written
	// for Alertmanager (amtool silence import) are accepted unchanged.
	AlertmanagerSilence
)

// ErrNotSelective is CheckSelective's answer for matchers that select
// every alert lacking their labels; its text is Alertmanager's.
var ErrNotSelective = errors.New("at least one matcher must not match the empty string")

// CheckSelective returns ErrNotSelective unless at least one matcher of ms
// does not match the empty string under rule r: a selection whose every
// matcher matches alerts that lack its label would select (nearly) every
// alert. Empty ms is refused as well. Nil matchers are skipped.
func (ms Matchers) CheckSelective(r EmptyRule) error {
	for _, m := range ms {
		if m == nil {
			continue
		}
		if !m.countsAsEmpty(r) {
			return nil
		}
	}
	if len(ms) == 0 {
		return errors.New("at least one matcher is required")
	}
	return ErrNotSelective
}

func (m *Matcher) countsAsEmpty(r EmptyRule) bool {
	if r == AlertmanagerSilence && (m.Type == NotEqual || m.Type == NotRegexp) {
		return false
	}
	return m.Matches("")
}

// CheckLabelName says what is wrong with a label name written in a silence,
// an acknowledgement or a maintenance window, or returns nil. Names follow
// the UTF-8 rule that Prometheus 3 and Alertmanager 0.27+ apply (and that
// this package's parser, rule files and routes follow): any non-empty
// valid UTF-8 text, so "host.name" and "my label" are names. On top of
// that, names no exposition format can produce are refused, where
// Alertmanager accepts them: control characters (NUL, tab, newline, DEL and
// the C1 controls) and leading or trailing white space, which are typing
// or encoding mistakes that would make a matcher that never matches, or a
// negative one that matches everything.
func CheckLabelName(name string) error {
	switch {
	case name == "":
		return errors.New("empty label name")
	case !utf8.ValidString(name):
		return fmt.Errorf("label name %q is not valid UTF-8", name)
	}
	for i, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("label name %q has a control character (%U) at byte %d", name, r, i)
		}
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fmt.Errorf("label name %q starts or ends with white space", name)
	}
	return nil
}

// CheckLabelNames applies CheckLabelName to every matcher of ms, naming
// the first bad one by its index.
func (ms Matchers) CheckLabelNames() error {
	for i, m := range ms {
		if m == nil {
			continue
		}
		if err := CheckLabelName(m.Name); err != nil {
			return fmt.Errorf("invalid label matcher %d: %w", i, err)
		}
	}
	return nil
}
