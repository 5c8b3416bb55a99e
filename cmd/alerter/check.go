package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/rules"
)

// checkCmd validates rule files and main configuration files, telling them
// apart by content (a rule file has a top-level "groups" key). It prints
// every problem and exits 1 if there is any, like promtool check rules.
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
		if isRuleFile(b) {
			if !checkRules(stdout, stderr, []string{f}) {
				failed = true
			}
			continue
		}
		cfg, err := config.LoadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "  FAILED:\n%s\n", indent(err.Error()))
			failed = true
			continue
		}
		fmt.Fprintf(stdout, "  SUCCESS: configuration is valid; %d rule file pattern(s)\n", len(cfg.RuleFiles))
		if len(cfg.RuleFiles) > 0 && !checkRules(stdout, stderr, cfg.RuleFiles) {
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

func checkRules(stdout, stderr io.Writer, patterns []string) bool {
	set, err := rules.LoadFiles(patterns)
	if set != nil {
		for _, w := range set.Warnings {
			fmt.Fprintf(stdout, "  WARNING: %s\n", w)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "  FAILED:\n%s\n", indent(err.Error()))
		return false
	}
	n := 0
	for _, g := range set.Groups {
		n += len(g.Rules)
	}
	fmt.Fprintf(stdout, "  SUCCESS: %d rules found\n", n)
	return true
}

func isRuleFile(b []byte) bool {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		return true // the rule loader reports YAML errors with file:line:col
	}
	if len(doc.Content) == 0 {
		return true
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Value == "groups" {
			return true
		}
	}
	return false
}

func indent(s string) string {
	return "    " + string(bytes.ReplaceAll([]byte(s), []byte("\n"), []byte("\n    ")))
}
