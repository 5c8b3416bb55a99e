package replay

// compare matches the rules of two runs by group name and alert name (in
// order, when a name repeats), so that two versions of a rule file in
// different places compare rule by rule.
func compare(a, b *RunReport) []*Comparison {
	type key struct{ group, alert string }
	pool := map[key][]*RuleReport{}
	for _, r := range b.Rules {
		k := key{r.Group, r.Alert}
		pool[k] = append(pool[k], r)
	}
	var out []*Comparison
	for _, r := range a.Rules {
		k := key{r.Group, r.Alert}
		c := &Comparison{Group: r.Group, Alert: r.Alert, A: r}
		if l := pool[k]; len(l) > 0 {
			c.B, pool[k] = l[0], l[1:]
		}
		out = append(out, c)
	}
	for _, r := range b.Rules {
		k := key{r.Group, r.Alert}
		for _, left := range pool[k] {
			if left == r {
				out = append(out, &Comparison{Group: r.Group, Alert: r.Alert, B: r})
			}
		}
	}
	return out
}
