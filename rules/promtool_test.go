package rules

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// promtool finds Prometheus's promtool (2.42 on the project's machines),
// skipping the test when it is missing outside CI and failing in CI.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is required in CI: %v", err)
		}
		t.Skipf("promtool not found (%v); install Debian's prometheus package to cross-check", err)
	}
	return path
}

// runPromtool runs `promtool check rules` on file and reports whether it
// accepted it. Lint findings (duplicate rules) do not fail it.
func runPromtool(t *testing.T, bin, file string) (ok bool, output string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, "check", "rules", file)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("running promtool: %v", err)
	}
	return err == nil, out.String()
}

// TestPromtoolAgrees cross-checks the fixtures written in Prometheus's own
// format (testdata/*/prometheus-*.yml) with promtool: good ones must pass
// promtool and our loader, bad ones must fail both. Fixtures using alerter
// extensions must fail promtool, which shows the check has teeth.
func TestPromtoolAgrees(t *testing.T) {
	bin := promtool(t)
	good, _ := filepath.Glob(filepath.Join("testdata", "good", "*.yml"))
	bad, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yml"))
	if len(good) == 0 || len(bad) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range append(good, bad...) {
		t.Run(f, func(t *testing.T) {
			promOnly := strings.HasPrefix(filepath.Base(f), "prometheus-")
			isGood := strings.Contains(f, string(filepath.Separator)+"good"+string(filepath.Separator))
			promOK, out := runPromtool(t, bin, f)
			_, ourErr := LoadFiles([]string{f})
			switch {
			case isGood && promOnly:
				if !promOK {
					t.Errorf("promtool rejects a Prometheus fixture:\n%s", out)
				}
				if ourErr != nil {
					t.Errorf("we reject what promtool accepts: %v", ourErr)
				}
			case isGood:
				if promOK {
					t.Errorf("promtool accepts %s, which should use features it does not know; name it prometheus-*.yml", f)
				}
			case promOnly:
				if promOK {
					t.Errorf("promtool accepts a bad Prometheus fixture; we say: %v", ourErr)
				}
			}
		})
	}
}
