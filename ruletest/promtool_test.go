package ruletest

import (
	"bufio"
	"bytes"
	"context"
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

// runPromtool runs `promtool test rules file` and reports whether it
// passed.
func runPromtool(t *testing.T, bin, file string) (bool, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, "test", "rules", file)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("running promtool: %v", err)
	}
	return err == nil, out.String()
}

func runOurs(t *testing.T, file string) (bool, string) {
	t.Helper()
	res := RunFile(context.Background(), file, Options{})
	var out bytes.Buffer
	Report(&out, res)
	return res.Passed(), out.String()
}

// TestPromtoolAgrees runs the corpus under testdata/promtool with Debian's
// promtool and with alerter test: every file must get the same verdict
// from both, and the verdict its name announces (pass-*.yml, fail-*.yml),
// so that a fixture that stops testing what it claims is noticed.
func TestPromtoolAgrees(t *testing.T) {
	bin := promtool(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "promtool", "*.yml"))
	if len(files) < 20 {
		t.Fatalf("corpus too small: %d files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			want := strings.HasPrefix(filepath.Base(f), "pass-")
			promOK, promOut := runPromtool(t, bin, f)
			ourOK, ourOut := runOurs(t, f)
			if promOK != want {
				t.Errorf("promtool passed=%v, the fixture expects %v:\n%s", promOK, want, promOut)
			}
			if ourOK != promOK {
				t.Errorf("alerter test passed=%v, promtool passed=%v\npromtool:\n%s\nalerter:\n%s", ourOK, promOK, promOut, ourOut)
			}
		})
	}
}

// TestPromtoolKnownDifferences pins where alerter test and promtool 2.42
// disagree, each fixture under testdata/differs saying why on its first
// lines ("# promtool: pass, alerter: fail"): Prometheus 3's PromQL
// boundaries, and promtool 2.42's handling of a missing interval. If
// either side changes, the documented difference is out of date.
func TestPromtoolKnownDifferences(t *testing.T) {
	bin := promtool(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "differs", "*.yml"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			wantProm, wantOurs := declaredVerdicts(t, f)
			promOK, promOut := runPromtool(t, bin, f)
			ourOK, ourOut := runOurs(t, f)
			if promOK != wantProm || ourOK != wantOurs {
				t.Errorf("promtool passed=%v (documented %v), alerter passed=%v (documented %v)\npromtool:\n%s\nalerter:\n%s",
					promOK, wantProm, ourOK, wantOurs, promOut, ourOut)
			}
		})
	}
}

func declaredVerdicts(t *testing.T, file string) (prom, ours bool) {
	t.Helper()
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Scan()
	line := sc.Text()
	if !strings.HasPrefix(line, "# promtool: ") {
		t.Fatalf("%s: first line must be '# promtool: pass|fail, alerter: pass|fail'", file)
	}
	return strings.Contains(line, "promtool: pass"), strings.Contains(line, "alerter: pass")
}
