package rules

import (
	"slices"
	"strconv"
	"strings"
)

// assignIDs sets the ID of each rule of g, as documented on Rule.ID.
// own[i] are the labels written in rule i itself (not those inherited from
// the group). Ordinals skip IDs already taken, so that a rule named "A#2"
// and two rules named "A" still get distinct IDs.
func assignIDs(g *Group, own []map[string]string) {
	taken := make(map[string]bool, len(g.Rules))
	for i, r := range g.Rules {
		base := g.Key() + "/" + r.Name() + labelsString(own[i])
		id := base
		for n := 2; taken[id]; n++ {
			id = base + "#" + strconv.Itoa(n)
		}
		taken[id] = true
		r.ID = id
	}
}

// labelsString formats labels as {a="1", b="2"}, sorted by name; "" when
// there is none.
func labelsString(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(m[k]))
	}
	b.WriteByte('}')
	return b.String()
}
