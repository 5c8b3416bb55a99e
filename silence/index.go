package silence

import (
	"regexp/syntax"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// entry is a stored silence with what the index needs from it. Neither is
// changed once the entry is in a snapshot: a change stores a new entry.
type entry struct {
	sil *Silence
	// anchors are the matchers that can narrow the silence down: any
	// alert it matches has label name with one of values (never empty).
	anchors []anchor
	// When the silence has no anchor, a regular expression with a literal
	// prefix still rules most alerts out cheaply: any alert it matches has
	// label guardName starting with guardPrefix (never empty).
	guardName, guardPrefix string
}

// anchor is one label a silence requires, with the values it accepts.
type anchor struct {
	name   string
	values []string
}

func newEntry(sil *Silence) *entry {
	e := &entry{sil: sil, anchors: anchorsOf(sil.Matchers)}
	e.guardName, e.guardPrefix = guardOf(sil.Matchers)
	return e
}

// mutes reports whether the silence is active at now and matches ls. The
// time check comes first: it is the cheap one, and it rules out the
// expired silences kept for their retention.
func (e *entry) mutes(ls model.LabelSet, now time.Time) bool {
	return !now.Before(e.sil.StartsAt) && now.Before(e.sil.EndsAt) && e.sil.Matchers.Matches(ls)
}

// index narrows the silences that can match a label set to those anchored
// on one of its label values, plus the few without an anchor, so that Mutes
// costs a handful of map lookups however many silences there are.
type index struct {
	names  []string              // anchor label names
	values []map[string][]*entry // per name: value -> silences
	pos    map[string]int        // name -> position in names
	// scan holds the silences without an anchor, grouped by guard label
	// name so that each label is looked up once; "" is unguarded.
	scan []scanGroup
}

type scanGroup struct {
	guardName string
	entries   []*entry
}

// buildIndex files each silence under one of its anchors, the one whose
// values are shared with the fewest other silences' anchors (so that
// severity="critical" does not anchor when instance="x" is also there),
// or into the scan list when it has none.
func buildIndex(byID map[string]*entry) index {
	type key struct{ name, value string }
	shared := map[key]int{}
	for _, e := range byID {
		for _, a := range e.anchors {
			for _, v := range a.values {
				shared[key{a.name, v}]++
			}
		}
	}
	ix := index{pos: map[string]int{}}
	for _, e := range byID {
		best, bestCost := -1, 0
		for i, a := range e.anchors {
			cost := 0
			for _, v := range a.values {
				cost += shared[key{a.name, v}]
			}
			if best < 0 || cost < bestCost {
				best, bestCost = i, cost
			}
		}
		if best < 0 {
			ix.addScan(e)
			continue
		}
		a := e.anchors[best]
		i, ok := ix.pos[a.name]
		if !ok {
			i = len(ix.names)
			ix.pos[a.name] = i
			ix.names = append(ix.names, a.name)
			ix.values = append(ix.values, map[string][]*entry{})
		}
		for _, v := range a.values {
			ix.values[i][v] = append(ix.values[i][v], e)
		}
	}
	return ix
}

func (ix *index) addScan(e *entry) {
	for i := range ix.scan {
		if ix.scan[i].guardName == e.guardName {
			ix.scan[i].entries = append(ix.scan[i].entries, e)
			return
		}
	}
	ix.scan = append(ix.scan, scanGroup{guardName: e.guardName, entries: []*entry{e}})
}

// match reports whether an active silence matches ls at now. With ids
// non-nil it appends the IDs of all of them; otherwise it stops at the
// first. A silence is found at most once: it is filed under one anchor,
// and the alert has one value for it.
func (ix *index) match(ls model.LabelSet, now time.Time, ids *[]string) bool {
	hit := false
	for i, name := range ix.names {
		v, ok := ls[model.LabelName(name)]
		if !ok {
			continue
		}
		for _, e := range ix.values[i][string(v)] {
			if e.mutes(ls, now) {
				if ids == nil {
					return true
				}
				hit = true
				*ids = append(*ids, e.sil.ID)
			}
		}
	}
	for _, g := range ix.scan {
		guarded := string(ls[model.LabelName(g.guardName)])
		for _, e := range g.entries {
			if !strings.HasPrefix(guarded, e.guardPrefix) || !e.mutes(ls, now) {
				continue
			}
			if ids == nil {
				return true
			}
			hit = true
			*ids = append(*ids, e.sil.ID)
		}
	}
	return hit
}

// maxAnchorValues bounds how many values a regular expression may expand to
// and still anchor.
const maxAnchorValues = 64

// anchorsOf returns the matchers that can anchor the silence in the index:
// equalities with a non-empty value, and regular expressions that are a
// small finite set of non-empty strings ("a|b|c", not "web-[0-9]{3}").
// Matchers that can match the empty string cannot anchor, since they also
// match alerts without the label.
func anchorsOf(ms matcher.Matchers) []anchor {
	var out []anchor
	for _, m := range ms {
		switch m.Type {
		case matcher.Equal:
			if m.Value != "" {
				out = append(out, anchor{m.Name, []string{m.Value}})
			}
		case matcher.Regexp:
			if set, ok := literalSet(m.Value); ok && !slices.Contains(set, "") {
				out = append(out, anchor{m.Name, set})
			}
		}
	}
	return out
}

// guardOf returns the longest literal prefix that a regular-expression
// matcher requires of its label ("t5" for team=~"t5.*"), or "".
func guardOf(ms matcher.Matchers) (name, prefix string) {
	for _, m := range ms {
		if m.Type != matcher.Regexp {
			continue
		}
		re, err := syntax.Parse(m.Value, syntax.Perl)
		if err != nil {
			continue
		}
		if p := literalPrefix(re.Simplify()); len(p) > len(prefix) {
			name, prefix = m.Name, p
		}
	}
	return name, prefix
}

// literalPrefix returns a string that every match of re starts with.
func literalPrefix(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			return string(re.Rune)
		}
	case syntax.OpCapture, syntax.OpConcat:
		if len(re.Sub) > 0 {
			return literalPrefix(re.Sub[0])
		}
	}
	return ""
}

// literalSet returns the strings a fully anchored regular expression
// matches when they are few, and false otherwise.
func literalSet(expr string) ([]string, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false
	}
	set, ok := literals(re.Simplify())
	if !ok {
		return nil, false
	}
	slices.Sort(set)
	return slices.Compact(set), true
}

func literals(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if int(hi-lo)+1+len(out) > maxAnchorValues {
				return nil, false
			}
			for r := lo; r <= hi; r++ {
				out = append(out, string(r))
			}
		}
		return out, len(out) > 0
	case syntax.OpCapture:
		return literals(re.Sub[0])
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			s, ok := literals(sub)
			if !ok || len(out)+len(s) > maxAnchorValues {
				return nil, false
			}
			out = append(out, s...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			s, ok := literals(sub)
			if !ok || len(out)*len(s) > maxAnchorValues {
				return nil, false
			}
			next := make([]string, 0, len(out)*len(s))
			for _, a := range out {
				for _, b := range s {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out, true
	default:
		return nil, false
	}
}
