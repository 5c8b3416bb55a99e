package promtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// stopGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
const stopGrace = 10 * time.Second

// tailLines is how many log lines are printed when a test fails.
const tailLines = 60

// Proc is a child process run for a test, with its stdout and stderr in a
// log file. It runs in its own process group; Stop and Kill signal the whole
// group, and t.Cleanup stops it and prints its log tail if the test failed.
type Proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	grace   time.Duration // how long Stop waits before SIGKILL
	done    chan struct{}
	err     error // valid once done is closed
}

// StartBinary runs the executable at path with args. env entries are added
// to the test process's environment (later entries win). The working
// directory is the test's, so relative paths in args work as in the test.
func StartBinary(t testing.TB, path string, args, env []string) *Proc {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), filepath.Base(path)+".log")
	p, err := startProc(path, args, env, logPath)
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	t.Cleanup(func() {
		_ = p.Stop()
		if t.Failed() {
			t.Logf("%s", p.tailReport())
		}
	})
	return p
}

// startProc starts path, appending its output to logPath.
func startProc(path string, args, env []string, logPath string) (*Proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening log file: %w", err)
	}
	defer f.Close() // the child has its own copy

	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	p := &Proc{
		name:    filepath.Base(path),
		cmd:     cmd,
		logPath: logPath,
		grace:   stopGrace,
		done:    make(chan struct{}),
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id, which is also its process group id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait blocks until the process exits and returns its exit error (nil for
// status 0; an *exec.ExitError otherwise).
func (p *Proc) Wait() error {
	<-p.done
	return p.err
}

// Signal sends sig to the process only (not its group), e.g. SIGHUP.
func (p *Proc) Signal(sig os.Signal) error {
	if p.Exited() {
		return os.ErrProcessDone
	}
	return p.cmd.Process.Signal(sig)
}

// Stop sends SIGTERM to the process group and waits for the process to
// exit, sending SIGKILL after 10s. It is idempotent and returns the exit
// error, so a test can check for a clean shutdown.
func (p *Proc) Stop() error { return p.stop(syscall.SIGTERM) }

// Kill sends SIGKILL to the process group, like a crash or an OOM kill,
// and waits for the process to exit. It returns the exit error.
func (p *Proc) Kill() error { return p.stop(syscall.SIGKILL) }

func (p *Proc) stop(sig syscall.Signal) error {
	if !p.Exited() {
		p.signalGroup(sig)
		select {
		case <-p.done:
		case <-time.After(p.grace):
			p.signalGroup(syscall.SIGKILL)
			<-p.done
		}
	}
	// Whatever the process started and left behind in its group goes too.
	p.signalGroup(syscall.SIGKILL)
	return p.err
}

func (p *Proc) signalGroup(sig syscall.Signal) {
	err := syscall.Kill(-p.cmd.Process.Pid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Signal(sig)
	}
}
