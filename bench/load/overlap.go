package load

import "slices"

// span is a time interval in Unix seconds.
type span struct{ from, to float64 }

// overlap is how long (in the unit of the spans) the union of a and the
// union of b intersect: how long the two engines were evaluating at the
// same moment.
func overlap(a, b []span) float64 {
	a, b = union(a), union(b)
	total := 0.0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := max(a[i].from, b[j].from), min(a[i].to, b[j].to)
		if hi > lo {
			total += hi - lo
		}
		if a[i].to < b[j].to {
			i++
		} else {
			j++
		}
	}
	return total
}

// union merges overlapping spans, sorted by start.
func union(s []span) []span {
	s = slices.Clone(s)
	slices.SortFunc(s, func(x, y span) int {
		switch {
		case x.from < y.from:
			return -1
		case x.from > y.from:
			return 1
		}
		return 0
	})
	var out []span
	for _, x := range s {
		if n := len(out); n > 0 && x.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, x.to)
			continue
		}
		out = append(out, x)
	}
	return out
}
