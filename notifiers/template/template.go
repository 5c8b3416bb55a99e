package template

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/prometheus/common/helpers/templates"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// builtin holds default.tmpl and the receivers' own default templates
// (any other .tmpl file of this directory), parsed in that order.
//
//go:embed *.tmpl
var builtin embed.FS

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
	names, err := fs.Glob(builtin, "*.tmpl")
	if err != nil {
		return nil, err
	}
	sort.Slice(names, func(i, j int) bool {
		return names[i] == "default.tmpl" || names[j] != "default.tmpl" && names[i] < names[j]
	})
	for _, name := range names {
		b, err := builtin.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := t.add(name, string(b)); err != nil {
			return nil, fmt.Errorf("default templates: %w", err)
		}
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
		// Alertmanager's: seconds (a number or a numeric string) or a
		// time.Duration, as "1h 2m 3s".
		"humanizeDuration": templates.HumanizeDuration,
		"safeUrl":          func(s string) htmltemplate.URL { return htmltemplate.URL(s) },
		"urlUnescape":      url.QueryUnescape,
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
