package promtest

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// maxTailBytes bounds how much of a log file is read for its tail.
const maxTailBytes = 64 << 10

// LogPath is the file holding the process's stdout and stderr.
func (p *Proc) LogPath() string { return p.logPath }

// Log returns everything the process has written so far.
func (p *Proc) Log() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", p.logPath, err)
	}
	return string(b)
}

// Tail returns the last n lines the process has written.
func (p *Proc) Tail(n int) string { return tailFile(p.logPath, 0, n) }

// WaitForLog waits until the process's output contains substr, failing the
// test after timeout or if the process exits first. Call it from the test's
// goroutine.
func (p *Proc) WaitForLog(t testing.TB, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if strings.Contains(p.Log(), substr) {
			return
		}
		if p.Exited() {
			if strings.Contains(p.Log(), substr) {
				return
			}
			t.Fatalf("promtest: %s exited (%v) before logging %q", p.name, p.err, substr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("promtest: %s did not log %q within %v", p.name, substr, timeout)
		}
		<-tick.C
	}
}

func (p *Proc) tailReport() string {
	return fmt.Sprintf("--- last %d lines of %s output (%s) ---\n%s",
		tailLines, p.name, p.logPath, p.Tail(tailLines))
}

// tailFile returns the last n lines of path written at or after offset.
func tailFile(path string, offset int64, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", path, err)
	}
	offset = max(offset, fi.Size()-maxTailBytes)
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return fmt.Sprintf("(reading %s: %v)", path, err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", path, err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
