package silence

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"
)

func win(t testing.TB, schedule string, d time.Duration, tz string) Window {
	t.Helper()
	return Window{Name: "w", Schedule: schedule, Duration: model.Duration(d), TimeZone: tz, Matchers: ms(t, `{job="db"}`)}
}

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	return loc
}

func TestWindowValidate(t *testing.T) {
	ok := func(w Window) Window { return w }
	for _, tc := range []struct {
		name    string
		w       Window
		wantErr []string // substrings; nil = valid
	}{
		{"five fields", win(t, "0 22 * * *", time.Hour, ""), nil},
		{"six fields", win(t, "30 0 22 * * *", time.Hour, ""), nil},
		{"descriptor", win(t, "@daily", time.Hour, ""), nil},
		{"CRON_TZ", win(t, "CRON_TZ=Europe/Berlin 0 22 * * *", time.Hour, ""), nil},
		{"TZ prefix and same time_zone", win(t, "TZ=Europe/Berlin 0 22 * * *", time.Hour, "Europe/Berlin"), nil},
		{"time_zone", win(t, "0 22 * * *", time.Hour, "America/New_York"), nil},
		{"missing name", ok(Window{Schedule: "@daily", Duration: model.Duration(time.Hour), Matchers: ms(t, `{a="b"}`)}), []string{"name is required"}},
		{"zero duration", win(t, "@daily", 0, ""), []string{"duration must be positive"}},
		{"empty schedule", win(t, " ", time.Hour, ""), []string{"schedule is required"}},
		{"bad schedule", win(t, "0 25 * * *", time.Hour, ""), []string{"schedule"}},
		{"@every", win(t, "@every 1h", time.Hour, ""), []string{"@every"}},
		{"zone prefix without fields", win(t, "CRON_TZ=UTC", time.Hour, ""), []string{"must be followed by"}},
		{"two different zones", win(t, "CRON_TZ=UTC 0 22 * * *", time.Hour, "Europe/Berlin"), []string{"time zone given twice"}},
		{"unknown zone", win(t, "0 22 * * *", time.Hour, "Mars/Olympus"), []string{"unknown time zone"}},
		{"Local", win(t, "0 22 * * *", time.Hour, "Local"), []string{"depends on the host"}},
		{"never fires", win(t, "0 0 30 2 *", time.Hour, ""), []string{"never fires"}},
		{"no matchers", ok(Window{Name: "w", Schedule: "@daily", Duration: model.Duration(time.Hour)}), []string{"at least one matcher required"}},
		{"matchers match everything", ok(Window{Name: "w", Schedule: "@daily", Duration: model.Duration(time.Hour), Matchers: ms(t, `{job=~".*"}`)}),
			[]string{"must not match the empty string"}},
		{"every problem at once", ok(Window{Schedule: "nonsense", TimeZone: "Nowhere/Land"}),
			[]string{"name is required", "duration must be positive", `schedule "nonsense"`, "unknown time zone", "at least one matcher"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.w.Validate()
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if tc.w.Active(time.Now()) {
				t.Errorf("an invalid window is active")
			}
		})
	}
}

func TestWindowActive(t *testing.T) {
	w := win(t, "0 22 * * *", 2*time.Hour, "")
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   time.Duration // after midnight
		want bool
	}{
		{21*time.Hour + 59*time.Minute + 59*time.Second, false},
		{22 * time.Hour, true},
		{23*time.Hour + 59*time.Minute, true},
		{24*time.Hour - time.Nanosecond, true},
		{24 * time.Hour, false},
		{0, false},
	} {
		if got := w.Active(day.Add(tc.at)); got != tc.want {
			t.Errorf("Active(%v) = %v, want %v", day.Add(tc.at), got, tc.want)
		}
	}
	// A time zone moves the activation.
	ny := win(t, "0 22 * * *", 2*time.Hour, "America/New_York")
	if ny.Active(day.Add(22*time.Hour)) || !ny.Active(day.Add(26*time.Hour)) { // 22:00 EDT = 02:00 UTC
		t.Errorf("time_zone not applied")
	}
	// A duration longer than the period: always active once started.
	long := win(t, "0 * * * *", 90*time.Minute, "")
	for m := 0; m < 240; m += 7 {
		if !long.Active(day.Add(time.Duration(m) * time.Minute)) {
			t.Fatalf("overlapping runs: inactive at +%dm", m)
		}
	}
}

// activeMinutes counts the minutes of [from, to) at which the window is
// active, and returns the first and last of them.
func activeMinutes(w Window, from, to time.Time) (n int, first, last time.Time) {
	for at := from; at.Before(to); at = at.Add(time.Minute) {
		if w.Active(at) {
			if n == 0 {
				first = at
			}
			n, last = n+1, at
		}
	}
	return n, first, last
}

// The examples below are the ones Window's doc comment describes. In 2026
// Berlin's clocks go from 02:00 CET to 03:00 CEST on 29 March and from
// 03:00 CEST back to 02:00 CET on 25 October.
func TestWindowDST(t *testing.T) {
	loc := berlin(t)
	local := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, loc) }
	utc := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, time.UTC) }

	t.Run("02:30 is skipped on the spring-forward day", func(t *testing.T) {
		w := win(t, "0 30 2 * * *", 10*time.Minute, "Europe/Berlin")
		if !w.Active(local(time.March, 28, 2, 35)) || !w.Active(local(time.March, 30, 2, 35)) {
			t.Fatalf("not active at 02:35 on the days around")
		}
		// The whole local day of 29 March: 23:00 UTC to 22:00 UTC.
		if n, first, _ := activeMinutes(w, utc(time.March, 28, 23, 0), utc(time.March, 29, 22, 0)); n != 0 {
			t.Errorf("active %d minutes on 29 March from %v, want none (no 02:30 that day)", n, first)
		}
	})
	t.Run("02:30 happens twice on the fall-back day", func(t *testing.T) {
		w := win(t, "0 30 2 * * *", 10*time.Minute, "Europe/Berlin")
		// Local day of 25 October: 22:00 UTC on the 24th to 23:00 UTC.
		n, first, last := activeMinutes(w, utc(time.October, 24, 22, 0), utc(time.October, 25, 23, 0))
		if n != 20 {
			t.Errorf("active %d minutes on 25 October, want 20 (two runs of 10)", n)
		}
		if !first.Equal(utc(time.October, 25, 0, 30)) || !last.Equal(utc(time.October, 25, 1, 39)) {
			t.Errorf("active from %v to %v, want 00:30Z (02:30 CEST) to 01:39Z (02:39 CET)", first, last)
		}
		if w.Active(utc(time.October, 25, 1, 0)) {
			t.Errorf("active between the two runs")
		}
	})
	t.Run("two runs overlap into one with a long duration", func(t *testing.T) {
		w := win(t, "0 30 2 * * *", 2*time.Hour, "Europe/Berlin")
		_, first, last := activeMinutes(w, utc(time.October, 24, 22, 0), utc(time.October, 25, 23, 0))
		if !first.Equal(utc(time.October, 25, 0, 30)) || !last.Equal(utc(time.October, 25, 3, 29)) {
			t.Errorf("active from %v to %v, want 00:30Z to 03:29Z (2h after the second 02:30)", first, last)
		}
	})
	t.Run("duration is elapsed time across spring forward", func(t *testing.T) {
		w := win(t, "0 0 1 * * *", 2*time.Hour, "Europe/Berlin")
		start := local(time.March, 29, 1, 0) // 00:00 UTC
		end := start.Add(2 * time.Hour)      // 02:00 UTC
		if got := end.In(loc); got.Hour() != 4 {
			t.Fatalf("test assumption: end is %v, want 04:00 local", got)
		}
		if !w.Active(start) || !w.Active(end.Add(-time.Second)) || w.Active(end) || w.Active(start.Add(-time.Second)) {
			t.Errorf("window is not exactly [01:00 CET, 04:00 CEST)")
		}
	})
	t.Run("duration is elapsed time across fall back", func(t *testing.T) {
		w := win(t, "0 0 1 * * *", 2*time.Hour, "Europe/Berlin")
		start := local(time.October, 25, 1, 0) // 23:00 UTC on the 24th
		end := start.Add(2 * time.Hour)        // 01:00 UTC = 02:00 CET
		if got := end.In(loc); got.Hour() != 2 {
			t.Fatalf("test assumption: end is %v, want 02:00 local", got)
		}
		if !w.Active(start) || !w.Active(end.Add(-time.Second)) || w.Active(end) {
			t.Errorf("window is not exactly [01:00 CEST, 02:00 CET)")
		}
	})
}

// wallMatches reports whether the wall-clock reading t matches every field
// of the schedule, with cron's rule that day-of-month and day-of-week are
// OR-ed unless one of them is "*".
func wallMatches(s *cron.SpecSchedule, t time.Time) bool {
	const star = 1 << 63
	bit := func(set uint64, v int) bool { return set&(1<<uint(v)) != 0 }
	dom, dow := bit(s.Dom, t.Day()), bit(s.Dow, int(t.Weekday()))
	day := dom || dow
	if s.Dom&star != 0 || s.Dow&star != 0 {
		day = dom && dow
	}
	return day && bit(s.Month, int(t.Month())) && bit(s.Hour, t.Hour()) &&
		bit(s.Minute, t.Minute()) && bit(s.Second, t.Second())
}

// TestWindowActiveAgreesWithEnumeration compares Active (and its cache,
// asked in random order) with the activations found by checking the wall
// clock minute by minute, around DST changes in zones with one-hour and
// half-hour shifts.
func TestWindowActiveAgreesWithEnumeration(t *testing.T) {
	berlin(t)
	r := rand.New(rand.NewPCG(3, 4))
	days := []time.Time{
		time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC),  // Europe
		time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), // Europe
		time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC),   // US
		time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),  // US
		time.Date(2026, 4, 5, 0, 0, 0, 0, time.UTC),   // Lord Howe (30 min)
		time.Date(2026, 10, 4, 0, 0, 0, 0, time.UTC),  // Lord Howe
	}
	for _, tz := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe"} {
		for _, spec := range []string{"0 30 2 * * *", "0 0 1 * * *", "*/20 1-3 * * *", "0 15 2 * * 0", "@daily", "@hourly", "0 45 1,2 * * *"} {
			durations := []time.Duration{10 * time.Minute, time.Hour, 2 * time.Hour, 25 * time.Hour}
			windows := make([]*compiledWindow, len(durations))
			for i, d := range durations {
				cw, err := compileWindow(win(t, spec, d, tz))
				if err != nil {
					t.Fatal(err)
				}
				windows[i] = cw
			}
			sched, loc := windows[0].sched, windows[0].loc
			for _, day := range days {
				from, to := day.Add(-36*time.Hour), day.Add(36*time.Hour)
				// The truth: every whole minute whose wall-clock reading
				// matches the schedule's fields (all specs here fire at
				// second 0).
				var acts []time.Time
				for a := from.Add(-30 * time.Hour).Truncate(time.Minute); a.Before(to); a = a.Add(time.Minute) {
					if wallMatches(sched, a.In(loc)) {
						acts = append(acts, a)
					}
				}
				for i := 0; i < 1000; i++ {
					at := from.Add(time.Duration(r.Int64N(int64(to.Sub(from)))))
					if r.IntN(3) == 0 {
						at = at.Truncate(time.Minute) // hit activation instants
					}
					k := r.IntN(len(durations))
					d, cw := durations[k], windows[k]
					want := false
					for _, a := range acts {
						if !at.Before(a) && at.Before(a.Add(d)) {
							want = true
						}
					}
					if got := cw.active(at); got != want {
						t.Fatalf("%s %q for %v: active(%v) = %v, want %v", tz, spec, d, at.In(loc), got, want)
					}
				}
			}
		}
	}
}

func TestWindowsMuteAndReload(t *testing.T) {
	s, _ := newTest(t, Options{})
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	ls := model.LabelSet{"job": "db", "instance": "x"}
	at := day.Add(22*time.Hour + 30*time.Minute)
	if s.Mutes(ls, at) {
		t.Fatalf("muted without windows")
	}
	v := s.Version()
	w := win(t, "0 22 * * *", time.Hour, "")
	w.Name = "nightly"
	if err := s.SetWindows([]Window{w}); err != nil {
		t.Fatal(err)
	}
	if s.Version() == v {
		t.Errorf("SetWindows did not change Version")
	}
	if !s.Mutes(ls, at) || s.Mutes(ls, day.Add(23*time.Hour)) || s.Mutes(model.LabelSet{"job": "web"}, at) {
		t.Errorf("window does not mute exactly its alerts in its time")
	}

	// An invalid set changes nothing and names every problem.
	bad := []Window{w, w, {Name: "x"}}
	err := s.SetWindows(bad)
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "windows[1]: duplicate window name") || !strings.Contains(err.Error(), "windows[2]") {
		t.Errorf("SetWindows(bad) = %v", err)
	}
	if got := s.Windows(); len(got) != 1 || got[0].Name != "nightly" {
		t.Errorf("Windows after a failed reload = %+v", got)
	}
	// Windows returns copies.
	got := s.Windows()
	got[0].Matchers[0].Value = "web"
	if !s.Mutes(ls, at) {
		t.Errorf("changing Windows' result changed the window")
	}
	if err := s.SetWindows(nil); err != nil || s.Mutes(ls, at) || len(s.Windows()) != 0 {
		t.Errorf("SetWindows(nil) did not remove the windows: %v", err)
	}
	if _, err := New(t.Context(), Options{Windows: bad}); !errors.As(err, &ve) {
		t.Errorf("New with bad windows = %v, want a *ValidationError", err)
	}
}
