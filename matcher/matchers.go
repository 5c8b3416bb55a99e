package matcher

import (
	"cmp"
	"strings"

	"github.com/prometheus/common/model"
)

// Matchers is a conjunction: a label set matches when every matcher does.
type Matchers []*Matcher

// Matches reports whether ls satisfies every matcher. A label missing from
// ls is matched as the empty string, so `team!="x"` and `team=~".*"` match
// alerts without a team label, exactly as in Alertmanager. Empty Matchers
// match everything.
func (ms Matchers) Matches(ls model.LabelSet) bool {
	for _, m := range ms {
		if !m.Matches(string(ls[model.LabelName(m.Name)])) {
			return false
		}
	}
	return true
}

// String returns the matchers in Alertmanager's canonical form,
// `{a="b",c=~"d"}`, the form used in route keys and group keys.
func (ms Matchers) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.String())
	}
	b.WriteByte('}')
	return b.String()
}

// Compare orders matchers as Alertmanager sorts them in a configuration
// (by label name, then value, then operator), which fixes the text of
// route keys. Use it with slices.SortFunc.
func Compare(a, b *Matcher) int {
	return cmp.Or(
		strings.Compare(a.Name, b.Name),
		strings.Compare(a.Value, b.Value),
		cmp.Compare(a.Type, b.Type),
	)
}
