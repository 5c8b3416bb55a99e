package strictyaml

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found while decoding, at the position of the node
// that caused it. Line and Column are 1-based, as in yaml.Node.
type Error struct {
	Line, Column int
	// Path is the field path from the decoded root, such as
	// "datasources[0].tls_config"; empty for the root itself.
	Path string
	Msg  string
}

// Error formats the error as "line:col: path: msg" (path omitted if empty).
func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%d:%d: %s: %s", e.Line, e.Column, e.Path, e.Msg)
}

// Errors is every problem of one Decode call, sorted by position, so that
// a user fixes a whole file in one round instead of one error at a time.
type Errors []*Error

// Error joins the errors with newlines.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns es as an error, or a true nil when es is empty; it avoids the
// non-nil interface holding a nil slice that `var err error = es` gives.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// sortAndDedupe orders errors by position and drops repeats of the same
// message at the same position, which alias expansion produces.
func sortAndDedupe(es Errors) Errors {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(es, func(a, b *Error) bool {
		return a.Line == b.Line && a.Column == b.Column && a.Msg == b.Msg
	})
}
