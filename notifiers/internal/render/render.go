// Package render executes the templated fields of receiver integrations
// and fits the results into the services' size limits, the same way for
// every integration: all template errors of a message are reported at
// once, by configuration key, and text is cut on a character boundary
// with the cut marked.
package render

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

// Ellipsis marks where text was cut.
const Ellipsis = "…"

// Renderer renders the fields of one message, collecting errors.
type Renderer struct {
	tmpl *template.Template
	data *template.Data
	errs []error
}

// New returns a Renderer of m's template data.
func New(tmpl *template.Template, m *notifiers.Message) *Renderer {
	return &Renderer{tmpl: tmpl, data: template.NewData(m)}
}

// Data is the template data of the message.
func (r *Renderer) Data() *template.Data { return r.data }

// Text renders text (the value of the configuration key field) as plain
// text, with surrounding white space trimmed.
func (r *Renderer) Text(field, text string) string {
	s, err := r.tmpl.ExecuteText(text, r.data)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %w", field, err))
	}
	return strings.TrimSpace(s)
}

// HTML renders text as HTML: values are escaped by context.
func (r *Renderer) HTML(field, text string) string {
	s, err := r.tmpl.ExecuteHTML(text, r.data)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %w", field, err))
	}
	return strings.TrimSpace(s)
}

// Err is every error so far, or nil.
func (r *Renderer) Err() error { return errors.Join(r.errs...) }

// Check parses every templated field against tmpl, reporting all errors
// by key, in key order.
func Check(tmpl *template.Template, fields map[string]string) error {
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		if fields[key] == "" {
			continue
		}
		if err := tmpl.Check(fields[key]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	return errors.Join(errs...)
}

// Truncate cuts s to at most n characters (runes), the last of them an
// ellipsis, and reports whether it did.
func Truncate(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	if n <= 0 {
		return "", true
	}
	r := []rune(s)
	return string(r[:n-1]) + Ellipsis, true
}

// TruncateBytes cuts s to at most n bytes of UTF-8, never inside a
// character, the last three bytes an ellipsis, and reports whether it did.
func TruncateBytes(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	if n < len(Ellipsis) {
		return "", true
	}
	cut := n - len(Ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + Ellipsis, true
}
