package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// debianBinGlob matches the binary directories of Debian's postgresql
// packages, one per major version.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// errNotInstalled is what findBinDir returns when no PostgreSQL is found.
var errNotInstalled = errors.New("PostgreSQL's initdb and postgres not found (set PG_BIN to their directory)")

// findBinDir returns the directory holding initdb and postgres: $PG_BIN,
// else the newest /usr/lib/postgresql/<version>/bin, else the directory of
// initdb on $PATH.
func findBinDir() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		if !hasServer(d) {
			return "", fmt.Errorf("PG_BIN=%s holds no executable initdb and postgres", d)
		}
		return d, nil
	}
	dirs, _ := filepath.Glob(debianBinGlob)
	// Newest major version first: "15" after "9.6" needs a numeric sort.
	slices.SortFunc(dirs, func(a, b string) int { return compareVersion(versionOf(b), versionOf(a)) })
	for _, d := range dirs {
		if hasServer(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && hasServer(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", errNotInstalled
}

// versionOf returns "15" for /usr/lib/postgresql/15/bin.
func versionOf(binDir string) string { return filepath.Base(filepath.Dir(binDir)) }

// compareVersion compares dotted version numbers numerically.
func compareVersion(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

func hasServer(dir string) bool {
	return isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres"))
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// missing skips the test, or fails it when $CI is set so that CI never
// passes by skipping its PostgreSQL tests.
func missing(t testing.TB, err error) {
	t.Helper()
	msg := err.Error() + "; install Debian's \"postgresql\" package " +
		"(apt-get install postgresql, or run scripts/ensure-deps.sh)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
