// Command alerter-demo serves demo metrics that move on their own and
// prints the webhook notifications it receives. scripts/demo.sh runs it
// beside Prometheus and alerter.
//
//	alerter-demo target [--listen 127.0.0.1:9101] [--cycle 150s]
//	alerter-demo sink   [--listen 127.0.0.1:5001] [--color auto|always|never]
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  alerter-demo target [--listen 127.0.0.1:9101] [--cycle 150s]
      serve demo metrics at /metrics for Prometheus to scrape
  alerter-demo sink [--listen 127.0.0.1:5001] [--color auto|always|never]
      receive Alertmanager-style webhooks and print one line per alert
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one subcommand and returns the process's exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "target":
		err = runTarget(ctx, args[1:], stdout, stderr)
	case "sink":
		err = runSink(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "alerter-demo: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "alerter-demo %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
