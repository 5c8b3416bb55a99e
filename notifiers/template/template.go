package template

import (
	"bytes"
	_ "embed" // default.tmpl, receivers.tmpl
	"fmt"
	htmltemplate "html/template"
	"path/filepath"
	"regexp"
	"strings"
	texttemplate "text/template"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

//go:embed default.tmpl
var defaultTemplates string

// receiverTemplates are the defaults of the receivers beyond Slack,
// PagerDuty, email and webhooks, under Alertmanager's names.
//
//go:embed receivers.tmpl
var receiverTemplates string

// Template holds the default templates and the user's files, parsed both
// as text (for Slack, PagerDuty, email subjects and text bodies) and as
// HTML (for email HTML bodies, with contextual escaping).
type Template struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// New parses the default templates, then the files the patterns match in
// order, so that a user's {{ define }} replaces a default of the same name.
func New(patterns ...string) (*Template, error) {
	t := &Template{
		text: texttemplate.New("").Option("missingkey=zero").Funcs(texttemplate.FuncMap(funcs())),
		html: htmltemplate.New("").Option("missingkey=zero").Funcs(htmltemplate.FuncMap(funcs())),
	}
	if err := t.add("default.tmpl", defaultTemplates); err != nil {
		return nil, fmt.Errorf("default templates: %w", err)
	}
	if err := t.add("receivers.tmpl", receiverTemplates); err != nil {
		return nil, fmt.Errorf("default receiver templates: %w", err)
	}
	for _, p := range patterns {
		files, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("template pattern %q: %w", p, err)
		}
		for _, f := range files {
			if _, err := t.text.ParseFiles(f); err != nil {
				return nil, fmt.Errorf("template file %s: %w", f, err)
			}
			if _, err := t.html.ParseFiles(f); err != nil {
				return nil, fmt.Errorf("template file %s: %w", f, err)
			}
		}
	}
	return t, nil
}

func (t *Template) add(name, text string) error {
	if _, err := t.text.New(name).Parse(text); err != nil {
		return err
	}
	_, err := t.html.New(name).Parse(text)
	return err
}

// ExecuteText renders text (which may call {{ template "name" . }}) as
// plain text.
func (t *Template) ExecuteText(text string, data *Data) (string, error) {
	if text == "" {
		return "", nil
	}
	c, err := t.text.Clone()
	if err != nil {
		return "", err
	}
	tm, err := c.New("").Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := tm.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// ExecuteHTML renders text as HTML, escaping values by context.
func (t *Template) ExecuteHTML(text string, data *Data) (string, error) {
	if text == "" {
		return "", nil
	}
	c, err := t.html.Clone()
	if err != nil {
		return "", err
	}
	tm, err := c.New("").Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := tm.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Check parses text against the templates, for configuration validation.
func (t *Template) Check(text string) error {
	c, err := t.text.Clone()
	if err != nil {
		return err
	}
	_, err = c.New("").Parse(text)
	return err
}

func funcs() map[string]any {
	title := cases.Title(language.AmericanEnglish)
	return map[string]any{
		"toUpper":   strings.ToUpper,
		"toLower":   strings.ToLower,
		"title":     title.String,
		"trimSpace": strings.TrimSpace,
		"join": func(sep string, s []string) string {
			return strings.Join(s, sep)
		},
		"match": regexp.MatchString,
		"reReplaceAll": func(pattern, repl, text string) (string, error) {
			re, err := regexp.Compile(pattern)
			if err != nil {
				return "", err
			}
			return re.ReplaceAllString(text, repl), nil
		},
		"safeHtml":    func(s string) htmltemplate.HTML { return htmltemplate.HTML(s) },
		"stringSlice": func(s ...string) []string { return s },
		"pairValues": func(ps []Pair) []string {
			out := make([]string, len(ps))
			for i, p := range ps {
				out[i] = p.Value
			}
			return out
		},
		"date": func(layout string, t time.Time) string { return t.Format(layout) },
		"tz": func(name string, t time.Time) (time.Time, error) {
			loc, err := time.LoadLocation(name)
			if err != nil {
				return time.Time{}, err
			}
			return t.In(loc), nil
		},
		"since": time.Since,
		"humanizeDuration": func(d time.Duration) string {
			return d.Round(time.Second).String()
		},
		"severityEmoji": func(s string) string {
			switch s {
			case "critical", "page", "error":
				return ":red_circle:"
			case "warning":
				return ":large_orange_circle:"
			case "info":
				return ":large_blue_circle:"
			}
			return ":white_circle:"
		},
	}
}
