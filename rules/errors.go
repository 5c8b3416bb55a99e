package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem of a rule file, located so that an editor or a CI
// log can point at it: "file:line:col: field: msg".
type Error struct {
	File string
	// Line and Column are 1-based; Line is 0 when the problem is the file
	// as a whole (it cannot be read), Column 0 when only the line is known.
	Line, Column int
	// Field is the path of the offending key inside its rule or group,
	// like "expr", "labels.team" or "severities[1].condition"; it may be
	// empty.
	Field string
	Msg   string
}

// Error formats e as "file:line:col: field: msg", leaving out the parts
// that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found by one load, sorted by file and
// position, so that a user can fix all of them in one round.
type ErrorList []*Error

// Error joins the errors with newlines.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Err returns l as an error, or a true nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// sortErrors orders errors by file, position, field and message, and
// drops exact repeats.
func sortErrors(l []*Error) []*Error {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Field, b.Field),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(l, func(a, b *Error) bool { return *a == *b })
}
