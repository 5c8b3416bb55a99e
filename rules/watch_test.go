package rules

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestHashFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yml"), filepath.Join(dir, "b.yml")
	writeFile(t, a, "groups: []\n")
	patterns := []string{filepath.Join(dir, "*.yml"), filepath.Join(dir, "missing.yml")}
	base := HashFiles(patterns)
	if len(base) != 64 {
		t.Fatalf("HashFiles = %q, want a hex SHA-256", base)
	}
	for _, step := range []struct {
		name    string
		do      func()
		changed bool
	}{
		{"nothing done", func() {}, false},
		{"the same content written again", func() { writeFile(t, a, "groups: []\n") }, false},
		{"a file not matching appears", func() { writeFile(t, filepath.Join(dir, "notes.txt"), "x") }, false},
		{"content changes", func() { writeFile(t, a, "groups: [] \n") }, true},
		{"content changes back", func() { writeFile(t, a, "groups: []\n") }, true},
		{"a matching file appears", func() { writeFile(t, b, "") }, true},
		{"it disappears", func() {
			if err := os.Remove(b); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a file is renamed", func() {
			if err := os.Rename(a, b); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		step.do()
		h := HashFiles(patterns)
		if changed := h != base; changed != step.changed {
			t.Errorf("%s: hash changed %v, want %v", step.name, changed, step.changed)
		}
		base = h
	}
	if HashFiles(nil) != HashFiles([]string{filepath.Join(dir, "none-*.yml")}) {
		t.Error("no files: the hash depends on the patterns")
	}
}

// TestHashFilesOrder: the hash is the same whatever the order of the
// patterns and of the files they match.
func TestHashFilesOrder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yml"), "a")
	writeFile(t, filepath.Join(dir, "b.yml"), "b")
	x := HashFiles([]string{filepath.Join(dir, "a.yml"), filepath.Join(dir, "b.yml")})
	y := HashFiles([]string{filepath.Join(dir, "b.yml"), filepath.Join(dir, "a.yml")})
	if x != y {
		t.Error("the order of the patterns changes the hash")
	}
	// Contents moved from one file to the other is a change.
	writeFile(t, filepath.Join(dir, "a.yml"), "b")
	writeFile(t, filepath.Join(dir, "b.yml"), "a")
	if HashFiles([]string{filepath.Join(dir, "*.yml")}) == x {
		t.Error("swapping two files' contents does not change the hash")
	}
}

// TestWatcherRun steps the poll loop through changes, a failed reload and
// a quiet period: one call per change, none while nothing changes, and
// broken content is not retried until it changes again.
func TestWatcherRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		rule := filepath.Join(dir, "r.yml")
		writeFile(t, rule, "v1")
		patterns := []string{filepath.Join(dir, "*.yml")}
		var w Watcher
		w.Loaded(patterns)

		const every = 5 * time.Second
		var calls atomic.Int64
		var fail atomic.Pointer[error]
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			w.Run(ctx, every, func(context.Context) error {
				calls.Add(1)
				if err := fail.Load(); err != nil {
					return *err
				}
				w.Loaded(patterns) // what a successful reload does
				return nil
			})
		}()
		tick := func(wantCalls int64, why string) {
			t.Helper()
			time.Sleep(every)
			synctest.Wait()
			if n := calls.Load(); n != wantCalls {
				t.Fatalf("%s: %d calls, want %d", why, n, wantCalls)
			}
		}
		tick(0, "nothing changed")
		writeFile(t, rule, "v2")
		synctest.Wait()
		if calls.Load() != 0 {
			t.Fatal("called before the interval passed")
		}
		tick(1, "content changed")
		tick(1, "reloaded, nothing changed since")
		writeFile(t, filepath.Join(dir, "new.yml"), "")
		tick(2, "a file appeared")

		broken := errors.New("broken rules")
		fail.Store(&broken)
		writeFile(t, rule, "v3 broken")
		tick(3, "changed to broken content")
		tick(3, "the same broken content")
		tick(3, "the same broken content, later")
		writeFile(t, rule, "v4 still broken")
		tick(4, "changed again")

		fail.Store(nil)
		if err := os.Remove(filepath.Join(dir, "new.yml")); err != nil {
			t.Fatal(err)
		}
		tick(5, "a file disappeared")
		tick(5, "nothing changed")

		cancel()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("Run did not return when its context ended")
		}
	})
}

// TestWatcherRunDisabled: a zero or negative interval turns the watch off.
func TestWatcherRunDisabled(t *testing.T) {
	for _, every := range []time.Duration{0, -time.Second} {
		var w Watcher
		w.Run(t.Context(), every, func(context.Context) error {
			t.Error("called with the watch turned off")
			return nil
		})
	}
}
