package promtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// readyTimeout bounds how long Start and Restart wait for /-/ready.
const readyTimeout = 30 * time.Second

// startAttempts is how often Start tries fresh ports when one was taken.
const startAttempts = 3

// errPortInUse reports that another process took the chosen port.
var errPortInUse = errors.New("listen address already in use")

// Prometheus is a real Prometheus server run for a test, listening on
// 127.0.0.1 with its config, data and log in the test's temp dir.
type Prometheus struct {
	t       testing.TB
	bin     string
	cfgPath string
	dataDir string
	logPath string
	extra   []string
	port    int
	client  *http.Client

	mu   sync.Mutex // guards proc
	proc *Proc
}

// Start runs Prometheus with opts and waits until it is ready. It is
// stopped in t.Cleanup, which prints its log tail if the test failed.
func Start(t testing.TB, opts Options) *Prometheus {
	t.Helper()
	bin := Binary(t)
	opts = opts.withDefaults()
	dir := t.TempDir()
	p := &Prometheus{
		t:       t,
		bin:     bin,
		cfgPath: filepath.Join(dir, "prometheus.yml"),
		dataDir: filepath.Join(dir, "data"),
		logPath: filepath.Join(dir, "prometheus.log"),
		extra:   opts.args(),
		client:  newClient(),
	}
	if opts.DataDir != "" {
		p.dataDir = opts.DataDir
	}
	cfg, err := opts.configYAML()
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	if err := os.WriteFile(p.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatalf("promtest: writing prometheus config: %v", err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- last %d lines of prometheus output (%s) ---\n%s",
				tailLines, p.logPath, tailFile(p.logPath, 0, tailLines))
		}
	})
	for attempt := 1; ; attempt++ {
		p.port = FreePort(t)
		err := p.start()
		if err == nil {
			return p
		}
		if errors.Is(err, errPortInUse) && attempt < startAttempts {
			continue
		}
		t.Fatalf("promtest: starting prometheus: %v\n%s", err, tailFile(p.logPath, 0, tailLines))
	}
}

// start runs the binary on p.port and waits for readiness.
func (p *Prometheus) start() error {
	var offset int64
	if fi, err := os.Stat(p.logPath); err == nil {
		offset = fi.Size()
	}
	args := append([]string{
		"--config.file=" + p.cfgPath,
		"--storage.tsdb.path=" + p.dataDir,
		"--web.listen-address=" + p.Addr(),
		"--web.enable-lifecycle",
	}, p.extra...)
	proc, err := startProc(p.bin, args, nil, p.logPath)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.proc = proc
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	err = waitHTTP(ctx, p.client, p.URL()+"/-/ready", proc.Done())
	if err == nil {
		return nil
	}
	proc.Stop()
	if strings.Contains(tailFile(p.logPath, offset, 1000), "address already in use") {
		return errPortInUse
	}
	if errors.Is(err, errExited) {
		return fmt.Errorf("prometheus exited before it was ready: %v", proc.err)
	}
	return fmt.Errorf("prometheus not ready: %w", err)
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234.
func (p *Prometheus) URL() string { return "http://" + p.Addr() }

// Addr is the server's host:port; it stays the same across Restart.
func (p *Prometheus) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// Stop shuts Prometheus down with SIGTERM (SIGKILL after 10s), keeping its
// data directory. It is idempotent; queries fail until Restart.
func (p *Prometheus) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc != nil {
		_ = p.proc.Stop()
	}
}

// Kill ends Prometheus with SIGKILL, like a crash; its data directory
// keeps what the WAL had.
func (p *Prometheus) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc != nil {
		_ = p.proc.Kill()
	}
}

// Restart stops Prometheus if it runs and starts it again on the same port
// and data directory, waiting until it is ready, as after a datasource
// outage. Call it from the test's goroutine.
func (p *Prometheus) Restart() {
	p.t.Helper()
	p.Stop()
	if f, err := os.OpenFile(p.logPath, os.O_WRONLY|os.O_APPEND, 0); err == nil {
		fmt.Fprintf(f, "=== promtest: restarting prometheus at %s ===\n", time.Now().Format(time.RFC3339Nano))
		f.Close()
	}
	if err := p.start(); err != nil {
		p.t.Fatalf("promtest: restarting prometheus: %v\n%s", err, tailFile(p.logPath, 0, tailLines))
	}
}
