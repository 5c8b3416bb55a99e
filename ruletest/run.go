package ruletest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"

	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/internal/strictyaml"
	"github.com/alerter/alerter/rules"
)

// DefaultMaxSamples is how many samples one query may load, promtool's
// limit: a test that needs more fails with Prometheus's error, as in
// promtool.
const DefaultMaxSamples = 10000

// Options configure RunFile.
type Options struct {
	// MaxSamples bounds the samples one query may load
	// (DefaultMaxSamples).
	MaxSamples int
	// Run, when not nil, selects the tests whose name it matches
	// (promtool's --run).
	Run *regexp.Regexp
	// Logger receives the evaluator's and dispatcher's logs (discarded
	// when nil).
	Logger *slog.Logger
}

// FileResult is the outcome of one test file.
type FileResult struct {
	Path string
	// Err is set when the file could not be run at all: it could not be
	// read or decoded, or its rule files or configuration are invalid.
	Err error
	// Warnings are problems that did not stop the file (a rule file
	// pattern that matches nothing, recording rules' notes).
	Warnings []string
	Tests    []TestResult
}

// TestResult is the outcome of one test group of a file.
type TestResult struct {
	Name string
	// Failures are the readable reasons the test failed; none if passed.
	Failures []string
}

// Passed reports whether the file ran and every selected test passed.
func (r *FileResult) Passed() bool {
	if r.Err != nil {
		return false
	}
	for _, t := range r.Tests {
		if len(t.Failures) > 0 {
			return false
		}
	}
	return true
}

// RunFile runs every test of one test file.
func RunFile(ctx context.Context, path string, o Options) *FileResult {
	res := &FileResult{Path: path}
	if o.MaxSamples <= 0 {
		o.MaxSamples = DefaultMaxSamples
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	f, err := ParseFile(path)
	if err != nil {
		res.Err = err
		return res
	}
	files, warns := f.ruleFiles()
	res.Warnings = append(res.Warnings, warns...)
	set, err := rules.LoadFiles(files)
	if err != nil {
		res.Err = err
		return res
	}
	cfg, err := f.alerterConfig()
	if err != nil {
		res.Err = err
		return res
	}
	order := map[string]int{}
	for i, g := range f.GroupEvalOrder {
		order[g] = i
	}
	for i := range f.Tests {
		tg := &f.Tests[i]
		name := tg.Name
		if name == "" {
			name = fmt.Sprintf("unnamed#%d", i)
		}
		if o.Run != nil && !o.Run.MatchString(tg.Name) {
			continue
		}
		r := &groupRun{file: f, tg: tg, set: set, cfg: cfg, order: order, opts: o}
		res.Tests = append(res.Tests, TestResult{Name: name, Failures: r.run(ctx)})
	}
	return res
}

// ruleFiles resolves rule_files as promtool does: relative to the test
// file, as globs; a pattern that matches nothing is a warning.
func (f *File) ruleFiles() ([]string, []string) {
	dir := filepath.Dir(f.path)
	var files, warns []string
	for _, rf := range f.RuleFiles {
		if rf != "" && !filepath.IsAbs(rf) {
			rf = filepath.Join(dir, rf)
		}
		m, err := filepath.Glob(rf)
		if err != nil {
			warns = append(warns, fmt.Sprintf("rule_files: %q: %v", rf, err))
			continue
		}
		if len(m) == 0 {
			warns = append(warns, "no file match pattern "+rf)
		}
		files = append(files, m...)
	}
	return files, warns
}

// alerterConfig loads the configuration notification tests run through:
// config_file (relative to the test file) or the inline config. nil when
// there is none.
func (f *File) alerterConfig() (*config.Config, error) {
	switch {
	case f.ConfigFile != "":
		p := f.ConfigFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(f.path), p)
		}
		return config.LoadFile(p)
	case f.Config != nil:
		b, err := yaml.Marshal(f.Config)
		if err != nil {
			return nil, fmt.Errorf("%s: config: %w", f.path, err)
		}
		cfg, err := config.Parse(b)
		if err != nil {
			return nil, inlineConfigError(f.path, f.Config, b, err)
		}
		cfg.File = f.path
		return cfg, nil
	}
	return nil, nil
}

// Report prints a file's result the way promtool does: "Unit Testing:
// FILE", then SUCCESS, or FAILED: and every failure.
func Report(w io.Writer, r *FileResult) {
	fmt.Fprintf(w, "Unit Testing: %s\n", r.Path)
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "  WARNING: %s\n", warn)
	}
	if r.Err != nil {
		fmt.Fprintf(w, "  FAILED:\n%s\n\n", indent(r.Err.Error(), "    "))
		return
	}
	if r.Passed() {
		fmt.Fprintf(w, "  SUCCESS\n\n")
		return
	}
	fmt.Fprintf(w, "  FAILED:\n")
	for _, t := range r.Tests {
		for _, msg := range t.Failures {
			fmt.Fprintf(w, "    name: %s\n%s\n\n", t.Name, indent(msg, "    "))
		}
	}
}

// inlineConfigError reports the errors of the inline config at their
// positions in the test file: the block was re-encoded for config.Parse,
// so each position is mapped back through the two node trees, which have
// the same shape.
func inlineConfigError(path string, orig *yaml.Node, reenc []byte, err error) error {
	var list strictyaml.Errors
	var cfgErrs config.Errors
	if errors.As(err, &cfgErrs) {
		for _, e := range cfgErrs {
			list = append(list, &strictyaml.Error{Line: e.Line, Column: e.Column, Path: e.Path, Msg: e.Msg})
		}
	}
	var doc yaml.Node
	if (list == nil && !errors.As(err, &list)) || yaml.Unmarshal(reenc, &doc) != nil || len(doc.Content) == 0 {
		return fmt.Errorf("%s: config (line %d): %w", path, orig.Line, err)
	}
	pos := map[[2]int][2]int{}
	var walk func(a, b *yaml.Node)
	walk = func(a, b *yaml.Node) {
		pos[[2]int{b.Line, b.Column}] = [2]int{a.Line, a.Column}
		for i := 0; i < len(a.Content) && i < len(b.Content); i++ {
			walk(a.Content[i], b.Content[i])
		}
	}
	walk(orig, doc.Content[0])
	out := make(strictyaml.Errors, len(list))
	for i, e := range list {
		c := *e
		if p, ok := pos[[2]int{e.Line, e.Column}]; ok {
			c.Line, c.Column = p[0], p[1]
		} else {
			c.Line, c.Column = orig.Line, orig.Column
		}
		if c.Path != "" {
			c.Path = "config." + c.Path
		} else {
			c.Path = "config"
		}
		out[i] = &c
	}
	return prefixErrors(path, out)
}
