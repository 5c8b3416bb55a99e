package rules

import (
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// Template is a label or annotation value parsed once at load as a Go
// text/template with Prometheus's conventions: the variables $labels,
// $value, $externalLabels and $externalURL, and Prometheus's functions
// (humanize, query, ...). A template that fails to parse never reaches
// evaluation, and a static one costs nothing to expand.
type Template struct {
	// Source is the text as written in the rule file.
	Source string
	name   string
	tmpl   *template.Template // nil when Static
	// usesData: the template calls a function that reads TemplateData
	// (query, externalURL, pathPrefix, now), which must be bound per
	// expansion on a clone; other templates execute as parsed.
	usesData bool
}

// TemplateData is what a template is expanded against: one series of one
// rule evaluation.
type TemplateData struct {
	// Labels are the series' labels ($labels, .Labels).
	Labels map[string]string
	// ExternalLabels are the server's external labels ($externalLabels).
	ExternalLabels map[string]string
	// ExternalURL is the server's external URL ($externalURL, externalURL,
	// pathPrefix).
	ExternalURL string
	// Value is the series' value ($value, .Value).
	Value float64
	// Query runs PromQL for the query function; nil makes query fail.
	Query QueryFunc
	// Time is the evaluation time, returned by the now function; zero
	// means the wall clock.
	Time time.Time
}

// QueryFunc runs an instant PromQL query for the template function query,
// at the evaluation time of the rule that expands the template.
type QueryFunc func(query string) ([]Sample, error)

// Sample is one series of a query result as templates see it: .Labels and
// .Value, and the argument of the label, value and strvalue functions.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// templateDefs are prepended to every template, as Prometheus does, so
// that the $variables exist. It has no newline, so template line numbers
// stay those of the text as written.
const templateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}" +
	"{{$externalURL := .ExternalURL}}{{$value := .Value}}"

// templateVars is the dot of an expansion: TemplateData without Query and
// Time, which only functions use.
type templateVars struct {
	Labels         map[string]string
	ExternalLabels map[string]string
	ExternalURL    string
	Value          float64
}

// ParseTemplate parses text as a template named name (the label or
// annotation key, used in error messages). The error, when not nil, is a
// *TemplateError.
func ParseTemplate(name, text string) (*Template, error) {
	t := &Template{Source: text, name: name}
	if t.Static() {
		return t, nil
	}
	tm, err := template.New(name).
		Option("missingkey=zero").
		Funcs(templateFuncs(&TemplateData{})).
		Parse(templateDefs + text)
	if err != nil {
		return nil, newTemplateError(name, err)
	}
	t.tmpl = tm
	t.usesData = callsAny(tm, dataFuncs(&TemplateData{}))
	return t, nil
}

// callsAny reports whether any template of tm names one of funcs.
func callsAny(tm *template.Template, funcs map[string]any) bool {
	var walk func(n parse.Node) bool
	walk = func(n parse.Node) bool {
		switch n := n.(type) {
		case nil:
			return false
		case *parse.IdentifierNode:
			_, ok := funcs[n.Ident]
			return ok
		case *parse.ListNode:
			if n == nil {
				return false
			}
			for _, c := range n.Nodes {
				if walk(c) {
					return true
				}
			}
		case *parse.ActionNode:
			return walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return false
			}
			for _, c := range n.Cmds {
				if walk(c) {
					return true
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				if walk(a) {
					return true
				}
			}
		case *parse.IfNode:
			return walk(n.Pipe) || walk(n.List) || walk(n.ElseList)
		case *parse.RangeNode:
			return walk(n.Pipe) || walk(n.List) || walk(n.ElseList)
		case *parse.WithNode:
			return walk(n.Pipe) || walk(n.List) || walk(n.ElseList)
		case *parse.TemplateNode:
			return walk(n.Pipe)
		}
		return false
	}
	for _, t := range tm.Templates() {
		if t.Tree != nil && walk(t.Tree.Root) {
			return true
		}
	}
	return false
}

// Static reports whether the text has no template action, so that callers
// can use Source as it is and skip Expand.
func (t *Template) Static() bool { return !strings.Contains(t.Source, "{{") }

// Expand executes the template for data (nil means empty data). It is safe
// for concurrent use; a failing or panicking function gives an error, not a
// panic.
func (t *Template) Expand(data *TemplateData) (result string, err error) {
	if t.tmpl == nil {
		return t.Source, nil
	}
	if data == nil {
		data = &TemplateData{}
	}
	defer func() {
		if r := recover(); r != nil {
			result, err = "", fmt.Errorf("expanding template %s: panic: %v", t.name, r)
		}
	}()
	// The functions that read data are bound per expansion, on a clone, so
	// that concurrent expansions do not share them; templates that call
	// none of them (most) run as parsed, which is safe concurrently.
	tm := t.tmpl
	if t.usesData {
		if tm, err = t.tmpl.Clone(); err != nil {
			return "", fmt.Errorf("expanding template %s: %w", t.name, err)
		}
		tm.Funcs(dataFuncs(data))
	}
	var b strings.Builder
	vars := templateVars{
		Labels:         data.Labels,
		ExternalLabels: data.ExternalLabels,
		ExternalURL:    data.ExternalURL,
		Value:          data.Value,
	}
	if err := tm.Execute(&b, vars); err != nil {
		return "", fmt.Errorf("expanding template %s: %w", t.name, err)
	}
	return b.String(), nil
}

// TemplateError is a template that does not parse. Line is the line inside
// the template text (1-based), so that a loader can point into the file.
type TemplateError struct {
	Name string
	Line int
	// Msg is text/template's message without its "template: name:line:"
	// prefix.
	Msg string
	Err error
}

// Error formats the error like text/template does.
func (e *TemplateError) Error() string {
	return fmt.Sprintf("template %s:%d: %s", e.Name, e.Line, e.Msg)
}

// Unwrap returns text/template's error.
func (e *TemplateError) Unwrap() error { return e.Err }

// newTemplateError splits text/template's "template: NAME:LINE: MSG".
func newTemplateError(name string, err error) *TemplateError {
	te := &TemplateError{Name: name, Line: 1, Msg: err.Error(), Err: err}
	rest, ok := strings.CutPrefix(err.Error(), "template: "+name+":")
	if !ok {
		return te
	}
	num, msg, ok := strings.Cut(rest, ":")
	if n, convErr := strconv.Atoi(num); ok && convErr == nil && n > 0 {
		te.Line, te.Msg = n, strings.TrimSpace(msg)
	}
	return te
}
