package sqlite

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// crashDirEnv makes the test binary act as the child of TestCrashRecovery:
// open the store in that directory, commit, and exit without Close.
const crashDirEnv = "ALERTER_SQLITE_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// crashBatch is what the child commits; the parent expects exactly it.
func crashBatch() *state.Batch {
	a, b := sampleAlert("crash", 1), sampleAlert("crash", 2)
	return &state.Batch{
		Group:       "crash-group",
		EvaluatedAt: t0,
		Upserts:     []*alert.Alert{a, b},
		Events:      []*alert.Event{sampleEvent(alert.EventFiring, a), sampleEvent(alert.EventFiring, b)},
	}
}

// crashChild commits crashBatch, prints the event IDs and returns without
// closing the store; the caller exits the process at once, as a crash
// (or a kill -9 after the commit) would.
func crashChild(dir string) int {
	s, err := Open(Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		return 2
	}
	b := crashBatch()
	if err := s.Commit(context.Background(), b); err != nil {
		fmt.Fprintln(os.Stderr, "child: commit:", err)
		return 3
	}
	fmt.Printf("ids %d %d\n", b.Events[0].ID, b.Events[1].ID)
	return 0 // s is deliberately not closed
}

// TestCrashRecovery runs a child process that commits and exits without
// closing, then opens the database it left: the committed batch is there,
// recovered from the WAL.
func TestCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("child: %v\n%s%s", err, out, stderr)
	}
	var ids [2]int64
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "ids %d %d", &ids[0], &ids[1]); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}

	// The commit is in the WAL, not yet in the database file: recovery is
	// what is being tested.
	fi, err := os.Stat(filepath.Join(dir, FileName+"-wal"))
	if err != nil || fi.Size() == 0 {
		t.Fatalf("child left no WAL (%v): the test would not exercise recovery", err)
	}

	s := openTest(t, dir)
	checkRecovered(t, s, ids)
}

// TestCopyOfOpenDatabase copies the files of a store that is still open,
// as a backup tool or a snapshot of the volume would, and opens the copy.
func TestCopyOfOpenDatabase(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	s := openTest(t, src)
	b := crashBatch()
	commit(t, s, b)
	for _, name := range []string{FileName, FileName + "-wal"} {
		copyFile(t, filepath.Join(src, name), filepath.Join(dst, name))
	}
	checkRecovered(t, openTest(t, dst), [2]int64{b.Events[0].ID, b.Events[1].ID})
}

// checkRecovered fails the test unless s holds exactly crashBatch, with the
// events under ids.
func checkRecovered(t *testing.T, s *Store, ids [2]int64) {
	t.Helper()
	want := crashBatch()
	checkAlerts(t, s, want.Upserts...)
	checkMarks(t, s, state.GroupMark{Group: want.Group, LastEvalAt: want.EvaluatedAt})
	got, err := s.PendingEvents(context.Background(), 10)
	if err != nil {
		t.Fatalf("PendingEvents: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("PendingEvents returned %d events, want 2", len(got))
	}
	for i, e := range want.Events {
		e.ID = ids[i]
		checkEvent(t, got[i], e)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("copying %s: %v", from, err)
	}
	t.Logf("copied %s (%s bytes)", filepath.Base(from), strconv.FormatInt(n, 10))
}
