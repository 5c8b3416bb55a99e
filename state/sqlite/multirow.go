package sqlite

import "strings"

// Large batches (a storm's thousands of new alerts and their events) are
// written with statements that carry many rows each, so that the
// per-statement cost of database/sql and SQLite (binding, stepping,
// resetting) is paid once per chunk instead of once per row.

// chunkRows is how many rows one multi-row statement carries; with the
// alerts table's 15 columns that is 3,840 parameters, well below SQLite's
// limit of 32,766.
const chunkRows = 256

// multiRow returns q, a single-row INSERT whose first "VALUES (…)" tuple
// is its row, with that tuple repeated n times; whatever follows the
// tuple (ON CONFLICT, RETURNING) is kept. It derives from the single-row
// statement so that the two never disagree on the columns.
func multiRow(q string, n int) string {
	i := strings.Index(q, "VALUES (")
	if i < 0 || n < 1 {
		panic("sqlite state: multiRow needs a single-row INSERT … VALUES (…)")
	}
	j := i + strings.IndexByte(q[i:], ')') + 1
	tuple := q[i+len("VALUES ") : j]
	var b strings.Builder
	b.Grow(len(q) + (n-1)*(len(tuple)+2))
	b.WriteString(q[:i])
	b.WriteString("VALUES ")
	for k := range n {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	b.WriteString(q[j:])
	return b.String()
}

// insertEventsSQL appends chunkRows events and returns their IDs.
var insertEventsSQL = multiRow(insertEventSQL, chunkRows) + ` RETURNING id`
