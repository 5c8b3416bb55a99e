package condlog

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestLogsOncePerChange(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var c Condition
	if c.OK(log, "works again") {
		t.Error("OK on a working condition said it ended a failure")
	}
	for i := range 5 {
		first := c.Fail(log, slog.LevelError, "storing failed", "err", errors.New("connection refused"))
		if first != (i == 0) {
			t.Errorf("failure %d: first = %v", i, first)
		}
	}
	if !c.Failing() {
		t.Error("not failing after failures")
	}
	if !c.OK(log, "storing works again") || c.OK(log, "storing works again") {
		t.Error("OK did not end the failure exactly once")
	}
	c.Fail(log, slog.LevelWarn, "storing failed", "err", "again")
	out := buf.String()
	if n := strings.Count(out, "storing failed"); n != 2 {
		t.Errorf("%d failure lines, want 2 (one per episode):\n%s", n, out)
	}
	if !strings.Contains(out, "failures=5") || strings.Count(out, "works again") != 1 {
		t.Errorf("recovery line missing or repeated:\n%s", out)
	}
}

func TestConcurrentFailuresLogOnce(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	var c Condition
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { c.Fail(log, slog.LevelError, "down") })
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(buf.String(), "down"); n != 1 {
		t.Errorf("%d lines for 20 concurrent failures, want 1", n)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
