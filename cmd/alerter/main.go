// Command alerter is an alerting rules engine for Prometheus. This file only
// parses flags and wires packages; see package server for the service.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // cron schedules with CRON_TZ work in a scratch image

	"github.com/alerter/alerter/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `alerter - an alerting rules engine for Prometheus

Usage:
  alerter run [flags]       evaluate rules and deliver alerts
  alerter check FILE...     validate rule files and the main config
  alerter test FILE...      run rule unit tests (promtool's test rules format)
  alerter replay ...        backtest rules over Prometheus's history
  alerter report [flags]    the noisiest rules of the last days, from a running alerter
  alerter version           print the version

Run 'alerter run -h' for the run flags.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stderr)
	case "check":
		return checkCmd(args[1:], stdout, stderr)
	case "test":
		return testCmd(context.Background(), args[1:], stdout, stderr)
	case "replay":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return replayCmd(ctx, args[1:], stdout, stderr, time.Now())
	case "report":
		return reportCmd(context.Background(), args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "alerter, version %s\n", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

func runCmd(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f runFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}
	f.noteSet(fs)
	logger, err := newLogger(stderr, f.logFormat, f.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	srv, err := server.New(server.Options{
		LoadConfig: f.loadConfig,
		Logger:     logger,
		Version:    version,
	})
	if err != nil {
		logger.Error("cannot start", "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = srv.Reload(ctx)
			}
		}
	}()
	if err := srv.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("alerter failed", "err", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log.level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "logfmt", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log.format: must be logfmt or json, not %q", format)
	}
}
