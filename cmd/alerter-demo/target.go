package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

func runTarget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("target", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("listen", "127.0.0.1:9101", "address to serve /metrics on")
	cycle := fs.Duration("cycle", defaultCycle, "length of one demo cycle; web-1's CPU is high for half of each, starting 10s in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cycle < 30*time.Second {
		return errors.New("--cycle must be at least 30s")
	}
	l, err := listen(*addr)
	if err != nil {
		return err
	}
	m := newModel(time.Now(), *cycle)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		var buf bytes.Buffer
		m.write(&buf, time.Now())
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "alerter-demo target: metrics at /metrics")
	})
	fmt.Fprintf(stdout, "alerter-demo target: serving demo metrics at http://%s/metrics (cycle %v)\n", l.Addr(), *cycle)
	return serve(ctx, l, mux)
}
