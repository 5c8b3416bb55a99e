package promtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestBuildAndStartBinary(t *testing.T) {
	bin := Build(t, "./cmd/alerter-demo")
	if again := Build(t, "./cmd/alerter-demo"); again != bin {
		t.Errorf("second Build returned %s, want the cached %s", again, bin)
	}
	addr := "127.0.0.1:" + strconv.Itoa(FreePort(t))
	p := StartBinary(t, bin, []string{"target", "--listen", addr}, []string{"NO_COLOR=1"})
	p.WaitHTTP(t, "http://"+addr+"/metrics", 30*time.Second)
	p.WaitForLog(t, "serving demo metrics", 5*time.Second)
	if err := p.Stop(); err != nil {
		t.Errorf("Stop() = %v, want a clean exit on SIGTERM\n%s", err, p.Log())
	}
	if err := p.Stop(); err != nil {
		t.Errorf("second Stop() = %v", err)
	}
	if !p.Exited() {
		t.Error("process still running after Stop")
	}
}

func TestKillReportsSignal(t *testing.T) {
	p := StartBinary(t, "/bin/sh", []string{"-c", "echo started; exec sleep 300"}, nil)
	p.WaitForLog(t, "started", 10*time.Second)
	err := p.Kill()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("Kill() = %v, want killed by SIGKILL", err)
	}
}

func TestStopLeavesNoChildBehind(t *testing.T) {
	// The shell ignores SIGTERM, so Stop must escalate; its background
	// child must go with it.
	p := StartBinary(t, "/bin/sh", []string{"-c", `trap "" TERM; sleep 300 & echo "child $!"; wait`}, nil)
	p.WaitForLog(t, "child ", 10*time.Second)
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(p.Log(), "child ")))
	if err != nil {
		t.Fatalf("parsing child pid from %q: %v", p.Log(), err)
	}
	p.grace = 200 * time.Millisecond
	_ = p.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("child %d still alive after Stop", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartBinaryMissing(t *testing.T) {
	ft := runFake(t, func(tb testing.TB) {
		StartBinary(tb, filepath.Join(t.TempDir(), "nope"), nil, nil)
	})
	if !ft.fatal || !strings.Contains(ft.msg, "nope") {
		t.Errorf("got fatal=%v %q, want a fatal error naming the binary", ft.fatal, ft.msg)
	}
}

func TestBinaryMissing(t *testing.T) {
	t.Setenv("PROMETHEUS_BIN", filepath.Join(t.TempDir(), "missing"))
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		ft := runFake(t, func(tb testing.TB) { Binary(tb) })
		if ft.fatal != (ci != "") || ft.skipped != (ci == "") {
			t.Errorf("CI=%q: fatal=%v skipped=%v", ci, ft.fatal, ft.skipped)
		}
		if !strings.Contains(ft.msg, `Debian's "prometheus" package`) {
			t.Errorf("CI=%q: message %q does not name the Debian package", ci, ft.msg)
		}
	}
}

func TestBuildAlerterHonoursEnv(t *testing.T) {
	t.Setenv("ALERTER_BIN", "/bin/sh")
	if got := BuildAlerter(t); got != "/bin/sh" {
		t.Errorf("BuildAlerter = %s, want $ALERTER_BIN", got)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("moduleRoot = %s without go.mod", root)
	}
}

// fakeTB records Skip and Fatal instead of ending the real test.
type fakeTB struct {
	testing.TB
	tmp            string
	skipped, fatal bool
	msg            string
	cleanups       []func()
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) TempDir() string   { return f.tmp }
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Skip(args ...any) {
	f.skipped, f.msg = true, strings.TrimSpace(sprint(args))
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) {
	f.fatal, f.msg = true, strings.TrimSpace(sprint(args))
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Fatal(sprintf(format, args...))
}

// runFake runs fn with a fakeTB on its own goroutine, so that Goexit ends
// only fn.
func runFake(t *testing.T, fn func(testing.TB)) *fakeTB {
	ft := &fakeTB{TB: t, tmp: t.TempDir()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ft)
	}()
	<-done
	for _, c := range ft.cleanups {
		c()
	}
	return ft
}

func sprint(args []any) string                  { return fmt.Sprint(args...) }
func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// alive reports whether pid runs; a zombie left for init to reap is dead.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the parenthesised command name.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}
