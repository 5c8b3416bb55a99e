package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/internal/filekind"
	"github.com/alerter/alerter/internal/strictyaml"
)

// Parse decodes and validates one rule file. file is the name used in
// errors and in Group.File. It returns every problem of the file at once:
// err is an ErrorList, and groups is nil, when there is any. Warnings are
// problems that do not stop the file from loading, such as recording
// rules, which alerter loads but does not evaluate.
//
// The format is that of Prometheus rule files (every file that promtool
// check rules accepts loads unchanged) plus alerter's extensions: query
// (a synonym of expr), condition, resolve and severities on alerting
// rules, schedule (a cron expression instead of interval) on groups, and
// flap_detection on both.
// Only the first YAML document of the file is read.
func Parse(file string, content []byte) (groups []*Group, warnings []*Error, err error) {
	p := &fileParser{
		file:   file,
		src:    newSource(content),
		promql: newPromQLParser(),
	}
	groups = p.parseFile(content)
	warnings = sortErrors(p.warns)
	if len(p.errs) > 0 {
		return nil, warnings, ErrorList(sortErrors(p.errs))
	}
	return groups, warnings, nil
}

// fileParser collects the groups, errors and warnings of one file.
type fileParser struct {
	file   string
	src    *source
	promql parser.Parser
	errs   []*Error
	warns  []*Error
}

// parseFile decodes the first YAML document and each of its groups.
func (p *fileParser) parseFile(content []byte) []*Group {
	doc := p.document(content)
	if doc == nil {
		return nil
	}
	switch d := filekind.Describe(doc); d.Kind {
	case filekind.Empty:
		p.warns = append(p.warns, &Error{File: p.file, Line: d.Line, Column: d.Column, Msg: d.Hint + ": it has no rule groups"})
		return nil
	case filekind.Config, filekind.PrometheusRule, filekind.Kubernetes, filekind.RuleTest, filekind.PrometheusConfig:
		p.errs = append(p.errs, &Error{File: p.file, Line: d.Line, Column: d.Column, Msg: "not a rule file: " + d.Hint})
		return nil
	}
	var raw rawFile
	p.decode(doc, &raw, "")
	var groups []*Group
	names := map[string]*yaml.Node{}
	for i := range raw.Groups {
		if g := p.group(&raw.Groups[i], names); g != nil {
			groups = append(groups, g)
		}
	}
	return groups
}

// document returns the first YAML document of content, or nil when there
// is none or it does not parse. Like Prometheus, later documents are
// ignored, with a warning.
func (p *fileParser) document(content []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(content))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.warns = append(p.warns, &Error{File: p.file, Line: 1, Column: 1, Msg: "the file is empty: it has no rule groups"})
		} else {
			p.syntaxError(err, content)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err == nil:
		p.warns = append(p.warns, &Error{File: p.file, Line: max(next.Line, 1), Column: next.Column,
			Msg: "the file has more than one YAML document; only the first is loaded"})
	default:
		p.warns = append(p.warns, &Error{File: p.file, Line: yamlErrorLine(err, content),
			Msg: "the file has more than one YAML document; only the first is loaded"})
	}
	return &doc
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError reports a YAML syntax error, which yaml.v3 gives with a line
// only, or none.
func (p *fileParser) syntaxError(err error, content []byte) {
	msg := yamlLineRE.ReplaceAllString(err.Error(), "yaml: ")
	p.errs = append(p.errs, &Error{File: p.file, Line: yamlErrorLine(err, content), Msg: msg})
}

// yamlErrorLine finds the line of a yaml.v3 syntax error: the one in the
// message, else that of the first invalid UTF-8 or control character (the
// reader errors that have no line), else 1.
func yamlErrorLine(err error, content []byte) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		if l, convErr := strconv.Atoi(m[1]); convErr == nil && l > 0 {
			return l
		}
	}
	line := 1
	for i := 0; i < len(content); {
		r, size := utf8.DecodeRune(content[i:])
		if r == utf8.RuneError && size <= 1 || r < ' ' && r != '\n' && r != '\r' && r != '\t' {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return 1
}

// decode runs the strict decoder on n and reports its errors under field.
func (p *fileParser) decode(n *yaml.Node, out any, field string) {
	for _, e := range strictyaml.Decode(n, out) {
		p.errs = append(p.errs, &Error{File: p.file, Line: e.Line, Column: e.Column,
			Field: joinField(field, e.Path), Msg: e.Msg})
	}
}

// str decodes a scalar as a string; absent and null give "".
func (p *fileParser) str(n *yaml.Node, field string) string {
	if !present(n) {
		return ""
	}
	var s string
	p.decode(n, &s, field)
	return s
}

// errorf reports a problem at node n.
func (p *fileParser) errorf(n *yaml.Node, field, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: n.Line, Column: n.Column, Field: field,
		Msg: fmt.Sprintf(format, args...)})
}

// errorAt reports a problem at byte offset off inside the value of n.
func (p *fileParser) errorAt(n *yaml.Node, off int, field, msg string) {
	line, col := p.src.at(n, off)
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Column: col, Field: field, Msg: msg})
}

// warnf reports a warning at node n.
func (p *fileParser) warnf(n *yaml.Node, field, format string, args ...any) {
	p.warns = append(p.warns, &Error{File: p.file, Line: n.Line, Column: n.Column, Field: field,
		Msg: fmt.Sprintf(format, args...)})
}

// joinField joins a field path and a path below it.
func joinField(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case b[0] == '[':
		return a + b
	default:
		return a + "." + b
	}
}

// nodeOr returns n when the key was given, else the fallback (usually the
// enclosing mapping), so that an error always has a position.
func nodeOr(n, fallback *yaml.Node) *yaml.Node {
	if n.Kind != 0 {
		return n
	}
	return fallback
}
