package promtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildTimeout bounds one go build.
const buildTimeout = 10 * time.Minute

// builds holds one build per main package for the whole test process, so
// go build runs once however many tests need the binary.
var builds sync.Map // package path -> *build

type build struct {
	once sync.Once
	path string
	err  error
}

// BuildAlerter returns the alerter binary, built from ./cmd/alerter once per
// test process. $ALERTER_BIN, when set, names a prebuilt binary instead.
func BuildAlerter(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ALERTER_BIN"); p != "" {
		if !isExecutable(p) {
			t.Fatalf("promtest: ALERTER_BIN=%s is not an executable file", p)
		}
		return p
	}
	return Build(t, "./cmd/alerter")
}

// Build compiles the main package pkg (relative to the module root, e.g.
// "./cmd/alerter") once per test process and returns the binary's path.
// Under go test -race the binary is built with -race too, so integration
// tests find data races in the real process.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(pkg, &build{})
	b := v.(*build)
	b.once.Do(func() { b.path, b.err = goBuild(pkg) })
	if b.err != nil {
		t.Fatalf("promtest: %v", b.err)
	}
	return b.path
}

func goBuild(pkg string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := buildDir()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, path.Base(pkg))
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, pkg)
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s (in %s): %w\n%s", strings.Join(args, " "), root, err, b)
	}
	return out, nil
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory")
		}
		dir = parent
	}
}

// buildDir is where binaries go: beside the test binary when go test runs
// it from its temporary work directory, which go test removes afterwards;
// otherwise a new temporary directory (left behind).
func buildDir() (string, error) {
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		if strings.HasPrefix(filepath.Base(filepath.Dir(dir)), "go-build") {
			return dir, nil
		}
	}
	return os.MkdirTemp("", "promtest-build-")
}
