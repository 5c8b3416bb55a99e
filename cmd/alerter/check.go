package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/internal/filekind"
	"github.com/alerter/alerter/rules"
)

// maxWarnings bounds the warnings printed one by one; the rest are
// summarised by kind, so that a file of 10,000 recording rules prints a
// screenful, not 10,000 lines.
const maxWarnings = 10

// checkCmd validates rule files and main configuration files, telling them
// apart by content. A file that is neither (a Kubernetes PrometheusRule, a
// promtool test file, Prometheus's own configuration) is reported as what
// it is. It prints every problem and exits 1 if there is any, like
// promtool check rules.
func checkCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: alerter check FILE...")
		return 2
	}
	failed := false
	for _, f := range args {
		fmt.Fprintf(stdout, "Checking %s\n", f)
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "  FAILED: %v\n", err)
			failed = true
			continue
		}
		d := describe(b)
		switch d.Kind {
		case filekind.RuleFile, filekind.Empty:
			if !checkRules(stdout, stderr, []string{f}) {
				failed = true
			}
			continue
		case filekind.PrometheusRule, filekind.Kubernetes, filekind.RuleTest, filekind.PrometheusConfig:
			fmt.Fprintf(stderr, "  FAILED: %s:%d:%d: %s\n", f, d.Line, d.Column, d.Hint)
			failed = true
			continue
		}
		cfg, err := config.LoadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "  FAILED:\n%s\n", indent(err.Error()))
			failed = true
			continue
		}
		fmt.Fprintf(stdout, "  SUCCESS: configuration is valid; %d rule file pattern(s)\n", len(cfg.RuleFiles))
		if len(cfg.RuleFiles) == 0 {
			continue
		}
		set, ok := loadRules(stdout, stderr, cfg.RuleFiles)
		if !ok {
			failed = true
			continue
		}
		if n := recordingRules(set); n > 0 && len(cfg.RemoteWrite) == 0 {
			fmt.Fprintf(stdout, "  WARNING: %d recording rule(s) will not be evaluated: no remote_write is configured to write their samples to\n", n)
		}
	}
	if failed {
		return 1
	}
	return 0
}

// describe tells what the file looks like; a file that is not YAML goes
// to the rule loader, which reports the syntax error with its position.
func describe(b []byte) filekind.Description {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if err == io.EOF {
			return filekind.Description{Kind: filekind.Empty}
		}
		return filekind.Description{Kind: filekind.RuleFile}
	}
	return filekind.Describe(&doc)
}

func checkRules(stdout, stderr io.Writer, patterns []string) bool {
	_, ok := loadRules(stdout, stderr, patterns)
	return ok
}

// recordingRules counts the recording rules of a set.
func recordingRules(set *rules.Set) int {
	n := 0
	for _, g := range set.Groups {
		for _, r := range g.Rules {
			if !r.IsAlerting() {
				n++
			}
		}
	}
	return n
}

// loadRules loads and reports rule files, returning the set when they
// are valid.
func loadRules(stdout, stderr io.Writer, patterns []string) (*rules.Set, bool) {
	set, err := rules.LoadFiles(patterns)
	if set != nil {
		printWarnings(stdout, set.Warnings)
	}
	if err != nil {
		fmt.Fprintf(stderr, "  FAILED:\n%s\n", indent(err.Error()))
		return nil, false
	}
	n := 0
	for _, g := range set.Groups {
		n += len(g.Rules)
	}
	fmt.Fprintf(stdout, "  SUCCESS: %d rules found\n", n)
	return set, true
}

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// printWarnings prints the first maxWarnings warnings, then how many more
// there are of each kind (the message with its quoted names left out).
func printWarnings(w io.Writer, warns []*rules.Error) {
	kinds := map[string]int{}
	for i, warn := range warns {
		if i < maxWarnings {
			fmt.Fprintf(w, "  WARNING: %s\n", warn)
			continue
		}
		kind := quoted.ReplaceAllString(warn.Msg, "…")
		if warn.Field != "" {
			kind = warn.Field + ": " + kind
		}
		kinds[kind]++
	}
	if len(kinds) == 0 {
		return
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		return kinds[names[i]] > kinds[names[j]] || kinds[names[i]] == kinds[names[j]] && names[i] < names[j]
	})
	fmt.Fprintf(w, "  WARNING: %d more warnings:\n", len(warns)-maxWarnings)
	for _, k := range names {
		fmt.Fprintf(w, "    %d × %s\n", kinds[k], k)
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
