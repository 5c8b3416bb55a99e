package rules

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"
	"go.yaml.in/yaml/v3"
)

// stringMap is a decoded labels or annotations mapping with the node of
// each value, for error positions.
type stringMap struct {
	values map[string]string
	nodes  map[string]*yaml.Node
}

// stringMap decodes a mapping of strings; absent or null gives an empty
// stringMap.
func (p *fileParser) stringMap(n *yaml.Node, field string) stringMap {
	var raw map[string]yaml.Node
	if present(n) {
		p.decode(n, &raw, field)
	}
	m := stringMap{nodes: make(map[string]*yaml.Node, len(raw))}
	if len(raw) > 0 {
		m.values = make(map[string]string, len(raw))
	}
	for k, v := range raw {
		m.nodes[k] = &v
		m.values[k] = p.str(&v, joinField(field, k))
	}
	return m
}

// checkLabels applies Prometheus's rules for label names and values (with
// UTF-8 names, as Prometheus 3 accepts): names non-empty valid UTF-8 and
// not __name__, values valid UTF-8.
func (p *fileParser) checkLabels(m stringMap, field string) {
	for k, v := range m.values {
		if !validName(k) || k == "__name__" {
			p.errorf(m.nodes[k], joinField(field, k), "invalid label name: %q", k)
		}
		if !utf8.ValidString(v) {
			p.errorf(m.nodes[k], joinField(field, k), "invalid label value: %q", v)
		}
	}
}

// validName is Prometheus 3's UTF-8 rule for metric, label and annotation
// names.
func validName(s string) bool { return s != "" && utf8.ValidString(s) }

// condition compiles the expr-lang condition in n; absent or empty gives
// nil. Errors are reported at their position in the file.
func (p *fileParser) condition(n *yaml.Node, field string) *Condition {
	src := p.str(n, field)
	if src == "" {
		return nil
	}
	c, err := CompileCondition(src)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			p.errorAt(n, runeToByte(src, fe.From), field, fe.Message)
		} else {
			p.errorf(n, field, "%v", err)
		}
		return nil
	}
	return c
}

// template parses a label or annotation template, the value of n, and
// reports a syntax error at its line in the file.
func (p *fileParser) template(n *yaml.Node, field, name, text string) *Template {
	t, err := ParseTemplate(name, text)
	if err != nil {
		var te *TemplateError
		if errors.As(err, &te) {
			p.errorAt(n, templateErrorOffset(text, te), field, "invalid template: "+te.Msg)
		} else {
			p.errorf(n, field, "invalid template: %v", err)
		}
		return nil
	}
	return t
}

// quotedRE finds the first quoted word of a text/template message, such as
// the name in `function "nope" not defined`.
var quotedRE = regexp.MustCompile(`"([^"\s]+)"`)

// templateErrorOffset guesses where in text a parse error is:
// text/template gives the line only, so look on that line for the word
// the message quotes, else take the line's start.
func templateErrorOffset(text string, te *TemplateError) int {
	start := lineToByte(text, te.Line)
	line := text[start:]
	if end := strings.IndexByte(line, '\n'); end >= 0 {
		line = line[:end]
	}
	if m := quotedRE.FindStringSubmatch(te.Msg); m != nil {
		if i := strings.Index(line, m[1]); i >= 0 {
			return start + i
		}
	}
	return start
}
