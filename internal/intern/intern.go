// Package intern keeps one copy of strings that repeat, such as the label
// names and values of query results (job, instance, env="prod"), so that
// the alerts and caches holding them share their bytes and decoding a
// value seen before allocates nothing.
package intern

// Table is a bounded set of strings. It holds two generations: when the
// current one reaches the limit it becomes the previous one and the one
// before is dropped, so strings that stop occurring are forgotten and the
// table never holds more than twice its limit. A Table is not safe for
// concurrent use; its owner locks around it.
type Table struct {
	cur, prev map[string]string
	limit     int
}

// New returns a table that holds up to 2*limit strings (limit at least 1).
func New(limit int) *Table {
	if limit < 1 {
		limit = 1
	}
	return &Table{cur: map[string]string{}, limit: limit}
}

// Bytes returns the string equal to b, allocating only if it is not held.
func (t *Table) Bytes(b []byte) string {
	if s, ok := t.cur[string(b)]; ok {
		return s
	}
	if s, ok := t.prev[string(b)]; ok {
		t.add(s)
		return s
	}
	s := string(b)
	t.add(s)
	return s
}

// String returns the held string equal to s, holding s if there is none.
func (t *Table) String(s string) string {
	if h, ok := t.cur[s]; ok {
		return h
	}
	if h, ok := t.prev[s]; ok {
		s = h
	}
	t.add(s)
	return s
}

// Len is the number of strings held.
func (t *Table) Len() int { return len(t.cur) + len(t.prev) }

func (t *Table) add(s string) {
	if len(t.cur) >= t.limit {
		t.prev, t.cur = t.cur, make(map[string]string, len(t.cur))
	}
	t.cur[s] = s
}
