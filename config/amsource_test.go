package config

import (
	"encoding/json"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// amVersions are the Alertmanager releases whose configuration alerter
// takes: their config testdata and documentation examples are the
// fixtures of the compatibility tests, and their config types are walked
// for every key Alertmanager knows.
var amVersions = []string{"v0.25.0", "v0.26.0", "v0.27.0", "v0.28.1"}

var (
	amDirsMu sync.Mutex
	amDirs   = map[string]string{}
)

// amSource returns the directory of Alertmanager's module source at
// version, downloaded through the Go module proxy into the module cache
// (nothing of it is copied into this repository). Without the proxy the
// test is skipped, except in CI ($CI set), where it fails.
func amSource(t *testing.T, version string) string {
	t.Helper()
	amDirsMu.Lock()
	defer amDirsMu.Unlock()
	if d, ok := amDirs[version]; ok {
		return d
	}
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/prometheus/alertmanager@"+version)
	cmd.Dir = os.TempDir() // outside this module: go.mod stays as it is
	out, err := cmd.Output()
	var m struct{ Dir, Error string }
	if err == nil {
		err = json.Unmarshal(out, &m)
	}
	if err != nil || m.Dir == "" {
		msg := "downloading Alertmanager " + version + " through the Go module proxy failed: " + m.Error
		if err != nil {
			msg += " (" + err.Error() + ")"
		}
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	amDirs[version] = m.Dir
	return m.Dir
}
