package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/alerter/alerter/ruletest"
)

// testCmd runs rule unit tests (promtool's `test rules` format plus
// alerter's notification tests). It exits 1 if any test fails, like
// promtool.
func testCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: alerter test [flags] TEST_FILE...")
		fs.PrintDefaults()
	}
	var run stringList
	fs.Var(&run, "run", "run only the tests whose name matches this regular expression; repeatable")
	maxSamples := fs.Int("query.max-samples", ruletest.DefaultMaxSamples, "most samples one query may load (promtool's limit)")
	logLevel := fs.String("log.level", "error", "level of the evaluator's and dispatcher's logs on stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	logger, err := newLogger(stderr, "logfmt", *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	opts := ruletest.Options{MaxSamples: *maxSamples, Logger: logger}
	if len(run) > 0 {
		re, err := regexp.Compile(strings.Join(run, "|"))
		if err != nil {
			fmt.Fprintf(stderr, "--run: %v\n", err)
			return 2
		}
		opts.Run = re
	}
	failed := false
	for _, f := range fs.Args() {
		res := ruletest.RunFile(ctx, f, opts)
		ruletest.Report(stdout, res)
		if !res.Passed() {
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}
