package silence_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/state/sqlite"
)

func window(t *testing.T, name, schedule string, d time.Duration, m string) silence.Window {
	t.Helper()
	ms, err := matcher.Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	return silence.Window{Name: name, Schedule: schedule, Duration: model.Duration(d), TimeZone: "Europe/Berlin", Matchers: ms,
		CreatedBy: "ops", Comment: "backups"}
}

func openSilences(t *testing.T, dir string, cfg ...silence.Window) (*silence.Silences, *sqlite.Store) {
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, err := silence.New(context.Background(), silence.Options{Store: st, Windows: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

// TestAPIWindowsPersistAndMute: a window created through the API mutes
// while open, survives a restart, can be deleted; the configuration's
// windows cannot be deleted through the API, and names are unique across
// both.
func TestAPIWindowsPersistAndMute(t *testing.T) {
	dir := t.TempDir()
	cfgWin := window(t, "nightly", "0 2 * * *", time.Hour, `job="batch"`)
	s, st := openSilences(t, dir, cfgWin)
	backups := window(t, "backups", "30 3 * * SUN", 2*time.Hour, `service="db"`)
	if err := s.AddWindow(context.Background(), backups); err != nil {
		t.Fatal(err)
	}
	var ve *silence.ValidationError
	if err := s.AddWindow(context.Background(), window(t, "nightly", "0 3 * * *", time.Hour, `a="b"`)); !errors.As(err, &ve) {
		t.Fatalf("duplicate of a configuration window: %v", err)
	}
	if err := s.AddWindow(context.Background(), window(t, "bad", "61 * * * *", 0, `a="b"`)); !errors.As(err, &ve) {
		t.Fatalf("invalid window: %v", err)
	}
	if err := s.AddWindow(context.Background(), silence.Window{Schedule: "@daily", Duration: model.Duration(time.Hour)}); !errors.As(err, &ve) {
		t.Fatalf("window without name: %v", err)
	}
	// Sunday 2026-11-22 03:45 in Berlin is 02:45 UTC.
	open := time.Date(2026, 11, 22, 2, 45, 0, 0, time.UTC)
	db := model.LabelSet{"service": "db"}
	if !s.Mutes(db, open) || s.Mutes(db, open.Add(3*time.Hour)) {
		t.Fatal("the API window does not mute while open only")
	}
	_ = st.Close()

	s2, _ := openSilences(t, dir, cfgWin)
	if !s2.Mutes(db, open) {
		t.Fatal("the API window was lost in a restart")
	}
	ws := s2.ListWindows()
	if len(ws) != 2 || ws[0].Name != "nightly" || ws[0].FromAPI || ws[1].Name != "backups" || !ws[1].FromAPI ||
		ws[1].CreatedBy != "ops" || ws[1].TimeZone != "Europe/Berlin" || ws[1].Matchers.String() != `{service="db"}` {
		t.Fatalf("windows %+v", ws)
	}
	if err := s2.DeleteWindow(context.Background(), "nightly"); !errors.Is(err, silence.ErrConfigWindow) {
		t.Fatalf("deleting a configuration window: %v", err)
	}
	if err := s2.DeleteWindow(context.Background(), "nope"); !errors.Is(err, silence.ErrNotFound) {
		t.Fatalf("deleting an unknown window: %v", err)
	}
	if err := s2.DeleteWindow(context.Background(), "backups"); err != nil {
		t.Fatal(err)
	}
	if s2.Mutes(db, open) {
		t.Fatal("a deleted window still mutes")
	}
	// A reload that brings a configuration window with an API window's
	// name shadows the API one rather than failing.
	if err := s2.AddWindow(context.Background(), backups); err != nil {
		t.Fatal(err)
	}
	if err := s2.SetWindows([]silence.Window{cfgWin, window(t, "backups", "0 12 * * *", time.Hour, `service="web"`)}); err != nil {
		t.Fatal(err)
	}
	if s2.Mutes(db, open) {
		t.Fatal("the shadowed API window still mutes")
	}
}
