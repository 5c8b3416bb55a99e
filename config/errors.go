package config

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/alerter/alerter/internal/strictyaml"
)

// Error is one problem of a configuration file, at the position of the
// offending node: "file:line:col: path: message", like rule files'.
type Error struct {
	// File is the configuration file ("" for Parse, which has no name).
	File string
	// Line and Column are 1-based; Column is 0 when only the line is
	// known (YAML syntax errors).
	Line, Column int
	// Path is the offending key, like "receivers[0].slack_configs[1]".
	Path string
	Msg  string
}

// Error formats e as "file:line:col: path: msg", leaving out what is
// unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem of one configuration file, sorted by position:
// the whole file is checked at once, so that a user fixes it in one round.
type Errors []*Error

// Error joins the errors, one per line.
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

// withFile sets the file of every error.
func (es Errors) withFile(file string) Errors {
	for _, e := range es {
		e.File = file
	}
	return es
}

// sorted orders es by position and drops exact repeats.
func (es Errors) sorted() Errors {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), cmp.Compare(a.Msg, b.Msg))
	})
	return slices.CompactFunc(es, func(a, b *Error) bool {
		return a.Line == b.Line && a.Column == b.Column && a.Path == b.Path && a.Msg == b.Msg
	})
}

// fromStrict converts the decoder's errors.
func fromStrict(errs strictyaml.Errors) Errors {
	out := make(Errors, len(errs))
	for i, e := range errs {
		out[i] = &Error{Line: e.Line, Column: e.Column, Path: e.Path, Msg: e.Msg}
	}
	return out
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError turns a yaml.v3 syntax error, which has a line at most,
// into an Error.
func syntaxError(err error) *Error {
	msg := err.Error()
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = "yaml: " + msg[len(m[0]):]
	}
	return &Error{Line: line, Msg: msg}
}
