package load

import (
	"fmt"
	"strings"
)

// Table is one markdown table of the report, with notes printed under it.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	Notes  []string
}

// Add appends a row; cells are formatted with %v.
func (t *Table) Add(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = fmt.Sprint(c)
	}
	t.Rows = append(t.Rows, row)
}

// Markdown renders the table with its title as a heading.
func (t *Table) Markdown() string {
	var b strings.Builder
	if t.Title != "" {
		fmt.Fprintf(&b, "#### %s\n\n", t.Title)
	}
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" ")
			b.WriteString(strings.ReplaceAll(c, "|", `\|`))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	line(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range t.Rows {
		line(r)
	}
	for _, n := range t.Notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	return b.String()
}

// Report is what a run prints: a preamble (machine, versions, command) and
// one table per scenario.
type Report struct {
	Preamble []string
	Tables   []*Table
}

// Markdown renders the whole report.
func (r *Report) Markdown() string {
	var b strings.Builder
	for _, p := range r.Preamble {
		b.WriteString(p)
		b.WriteString("\n")
	}
	for _, t := range r.Tables {
		b.WriteString("\n")
		b.WriteString(t.Markdown())
	}
	return b.String()
}

// secs formats seconds to about three significant digits; a negative
// value (not measured) is "n/a".
func secs(v float64) string {
	switch {
	case v < 0:
		return "n/a"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// mib formats bytes as MiB.
func mib(v float64) string { return fmt.Sprintf("%.0f", v/(1<<20)) }

// ratio formats a ratio as 1.23x, or "n/a" when the divisor is zero.
func ratio(a, b float64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// thousands formats an integer with comma separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
