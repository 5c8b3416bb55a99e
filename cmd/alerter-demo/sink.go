package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/alerter/alerter/internal/webhooksink"
)

func runSink(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("listen", "127.0.0.1:5001", "address to receive webhooks on (any path)")
	colorMode := fs.String("color", "auto", "colourise output: auto (when stdout is a terminal and NO_COLOR is unset), always or never")
	if err := fs.Parse(args); err != nil {
		return err
	}
	color, err := useColor(*colorMode, stdout)
	if err != nil {
		return err
	}
	l, err := listen(*addr)
	if err != nil {
		return err
	}
	p := &printer{w: stdout, color: color}
	sink := webhooksink.New(webhooksink.Options{
		Lenient:     true, // show whatever arrives; Validate reports problems
		MaxPayloads: 100,
		OnPayload:   p.print,
	})
	fmt.Fprintf(stdout, "alerter-demo sink: receiving webhooks at http://%s/\n", l.Addr())
	return serve(ctx, l, sink)
}

// useColor decides whether to colourise, honouring NO_COLOR in auto mode.
func useColor(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if os.Getenv("NO_COLOR") != "" {
			return false, nil
		}
		f, ok := w.(*os.File)
		if !ok {
			return false, nil
		}
		fi, err := f.Stat()
		return err == nil && fi.Mode()&os.ModeCharDevice != 0, nil
	default:
		return false, fmt.Errorf("--color must be auto, always or never, not %q", mode)
	}
}

// printer writes payloads one line per alert; lines of concurrent
// payloads do not interleave.
type printer struct {
	mu    sync.Mutex
	w     io.Writer
	color bool
}

func (p *printer) print(pl webhooksink.Payload) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := pl.Validate(); err != nil {
		fmt.Fprintf(p.w, "%s\n", p.paint(yellow, "warning: malformed payload: "+err.Error()))
	}
	for _, a := range pl.Alerts {
		fmt.Fprintln(p.w, formatAlert(pl, a, pl.ReceivedAt, p.paint))
	}
}

func (p *printer) paint(c, s string) string {
	if !p.color || c == "" {
		return s
	}
	return c + s + reset
}
