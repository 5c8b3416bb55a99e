package promtest

import (
	"os"
	"os/exec"
	"testing"
)

// debianPrometheusPath is where Debian's prometheus package installs the server.
const debianPrometheusPath = "/usr/bin/prometheus"

// Binary returns the path of the prometheus server binary: $PROMETHEUS_BIN,
// else prometheus on $PATH, else Debian's /usr/bin/prometheus. When none is
// found the test is skipped, or fails when $CI is set so that CI never
// passes by skipping its integration tests.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PROMETHEUS_BIN"); p != "" {
		if isExecutable(p) {
			return p
		}
		missing(t, "PROMETHEUS_BIN="+p+" is not an executable file")
		return ""
	}
	if p, err := exec.LookPath("prometheus"); err == nil {
		return p
	}
	if isExecutable(debianPrometheusPath) {
		return debianPrometheusPath
	}
	missing(t, "prometheus binary not found (set PROMETHEUS_BIN or put it on PATH)")
	return ""
}

func missing(t testing.TB, why string) {
	t.Helper()
	msg := why + "; install Debian's \"prometheus\" package " +
		"(apt-get install prometheus, or run scripts/ensure-deps.sh)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
