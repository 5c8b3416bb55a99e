package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/datasource"
	"github.com/alerter/alerter/replay"
	"github.com/alerter/alerter/rules"
)

const replayUsage = `usage: alerter replay --from T1 --to T2 [flags] RULE_FILE...

Replays rules over Prometheus's history and reports, per rule and alert,
how often they went pending, fired and resolved, flaps, time to fire,
episode durations, share of time firing and, with --config, the
notifications each receiver would have got. Times are RFC 3339
(2024-05-01T00:00:00Z), a date (2024-05-01, UTC), Unix seconds, "now", or
relative to now ("now-7d", "-36h").

`

// replayCmd backtests rule files over Prometheus's history.
func replayCmd(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, replayUsage)
		fs.PrintDefaults()
	}
	var (
		fromS       = fs.String("from", "", "start of the range (required)")
		toS         = fs.String("to", "now", "end of the range")
		step        = fs.Duration("step", 0, "evaluate every group every STEP instead of on its own interval or schedule")
		cfgFile     = fs.String("config", "", "alerter.yml: datasource, evaluation defaults, and the routing through which notifications are counted")
		dsURL       = fs.String("datasource.url", "", "Prometheus to read history from (default: the config's, or "+config.DefaultDatasourceURL+")")
		format      = fs.String("format", "table", "table or json")
		csvFile     = fs.String("csv", "", "write every alert transition to this CSV file")
		plotRule    = fs.String("plot", "", "draw this rule (group/alert or alert) as SVG, to --plot-out")
		plotOut     = fs.String("plot-out", "", "SVG file for --plot")
		flapN       = fs.Int("flap-evaluations", 3, "an episode that resolved within this many evaluations of firing is a flap")
		chunkPoints = fs.Int("chunk-points", replay.DefaultChunkPoints, "evaluations per range query (at most 11000)")
		maxAlerts   = fs.Int("max-alerts-per-rule", replay.DefaultMaxAlertsPerRule, "alerts listed per rule; others count in the rule's figures")
		logLevel    = fs.String("log.level", "error", "level of the evaluator's logs on stderr")
		compare     stringList
	)
	fs.Var(&compare, "compare", "replay these rule files too and compare, rule by rule (repeatable; globs)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "alerter replay: "+format+"\n", a...)
		return 2
	}
	if *fromS == "" {
		return usageErr("--from is required")
	}
	from, err := parseTime(*fromS, now)
	if err != nil {
		return usageErr("--from: %v", err)
	}
	to, err := parseTime(*toS, now)
	if err != nil {
		return usageErr("--to: %v", err)
	}
	if to.After(now) {
		return usageErr("--to %s is in the future", to.UTC().Format(time.RFC3339))
	}
	if *format != "table" && *format != "json" {
		return usageErr("--format must be table or json, not %q", *format)
	}
	if (*plotRule == "") != (*plotOut == "") {
		return usageErr("--plot and --plot-out go together")
	}
	logger, err := newLogger(stderr, "logfmt", *logLevel)
	if err != nil {
		return usageErr("%v", err)
	}
	cfg := config.Default()
	if *cfgFile != "" {
		if cfg, err = config.LoadFile(*cfgFile); err != nil {
			fmt.Fprintf(stderr, "alerter replay: %v\n", err)
			return 1
		}
	}
	if *dsURL != "" {
		cfg.Datasource.URL = *dsURL
	}
	files := fs.Args()
	if len(files) == 0 {
		files = cfg.RuleFiles
	}
	if len(files) == 0 {
		return usageErr("no rule files (give them as arguments, or rule_files in --config)")
	}
	var sets []replay.RuleSet
	for _, list := range [][]string{files, compare} {
		if len(list) == 0 {
			continue
		}
		set, err := rules.LoadFiles(list)
		if err != nil {
			fmt.Fprintf(stderr, "alerter replay: %s\n", err)
			return 1
		}
		for _, w := range set.Warnings {
			fmt.Fprintf(stderr, "alerter replay: warning: %s\n", w)
		}
		sets = append(sets, replay.RuleSet{Name: strings.Join(list, " "), Set: set})
	}
	client, err := datasource.New(datasource.Options{
		URL: cfg.Datasource.URL, HTTPConfig: cfg.Datasource.HTTPClientConfig,
		Timeout: time.Duration(cfg.Datasource.Timeout), UserAgent: "alerter/" + version + " (replay)",
	})
	if err != nil {
		fmt.Fprintf(stderr, "alerter replay: %v\n", err)
		return 1
	}
	if err := checkRetention(ctx, client, from, now); err != nil {
		fmt.Fprintf(stderr, "alerter replay: %v\n", err)
		return 1
	}
	o := replay.Options{
		Source: client, From: from, To: to, Step: *step, Config: cfg, Notify: *cfgFile != "",
		FlapEvaluations: *flapN, ChunkPoints: *chunkPoints, MaxAlertsPerRule: *maxAlerts, Logger: logger,
	}
	var closers []func() error
	defer func() {
		for _, c := range closers {
			_ = c()
		}
	}()
	create := func(path string) (io.Writer, error) {
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		closers = append(closers, f.Close)
		return f, nil
	}
	if *csvFile != "" {
		if o.Timeline, err = create(*csvFile); err != nil {
			fmt.Fprintf(stderr, "alerter replay: --csv: %v\n", err)
			return 1
		}
	}
	if *plotRule != "" {
		w, err := create(*plotOut)
		if err != nil {
			fmt.Fprintf(stderr, "alerter replay: --plot-out: %v\n", err)
			return 1
		}
		o.Plot = &replay.PlotOptions{Rule: *plotRule, Out: w}
	}
	if isTerminal(stderr) {
		o.Progress = func(done, total time.Duration) {
			fmt.Fprintf(stderr, "\rreplaying: %3.0f%% (%s of %s)  ", 100*float64(done)/float64(total), model.Duration(done.Round(time.Second)), model.Duration(total.Round(time.Second)))
			if done == total {
				fmt.Fprint(stderr, "\r\033[K")
			}
		}
	}
	rep, err := replay.Run(ctx, sets, o)
	if err != nil {
		fmt.Fprintf(stderr, "\nalerter replay: %v\n", err)
		return 1
	}
	for _, c := range closers {
		if err := c(); err != nil {
			fmt.Fprintf(stderr, "alerter replay: %v\n", err)
			return 1
		}
	}
	closers = nil
	if *format == "json" {
		err = replay.WriteJSON(stdout, rep)
	} else {
		err = replay.WriteTable(stdout, rep)
	}
	if err != nil {
		fmt.Fprintf(stderr, "alerter replay: %v\n", err)
		return 1
	}
	if noData(rep) {
		fmt.Fprintf(stderr, "alerter replay: no rule's query returned anything between %s and %s: is the range within Prometheus's retention, and is this the right Prometheus (%s)?\n",
			from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), cfg.Datasource.URL)
		return 1
	}
	return 0
}

// noData reports whether no rule of any run saw data.
func noData(r *replay.Report) bool {
	for _, run := range r.Runs {
		for _, rr := range run.Rules {
			if !rr.NoData {
				return false
			}
		}
	}
	return true
}

// checkRetention refuses a range that starts before Prometheus's time
// retention (when it reports one): that history is gone.
func checkRetention(ctx context.Context, c *datasource.Client, from, now time.Time) error {
	ri, err := c.RuntimeInfo(ctx)
	if err != nil {
		return nil // not every Prometheus-compatible server has it
	}
	first, _, _ := strings.Cut(strings.TrimSpace(ri.StorageRetention), " ")
	d, err := model.ParseDuration(first)
	if err != nil || d <= 0 {
		return nil // size-based retention: nothing to compare with
	}
	if oldest := now.Add(-time.Duration(d)); from.Before(oldest) {
		return fmt.Errorf("--from %s is outside Prometheus's retention (%s): it keeps no data before about %s",
			from.UTC().Format(time.RFC3339), ri.StorageRetention, oldest.UTC().Format(time.RFC3339))
	}
	return nil
}

// parseTime reads RFC 3339, a date, Unix seconds, "now" or "now-7d".
func parseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "now" {
		return now, nil
	}
	if rest, ok := strings.CutPrefix(s, "now"); ok || strings.HasPrefix(s, "-") {
		if !ok {
			rest = s
		}
		if sign := rest[:1]; sign == "-" || sign == "+" {
			d, err := model.ParseDuration(rest[1:])
			if err != nil {
				return time.Time{}, fmt.Errorf("%q: %v", s, err)
			}
			if sign == "-" {
				return now.Add(-time.Duration(d)), nil
			}
			return now.Add(time.Duration(d)), nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(0, int64(f*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("%q is not RFC 3339, a date, Unix seconds, now or now-DURATION", s)
}

// isTerminal reports whether w is a terminal, for progress output.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
