package silence

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// TestSilenceLimits: the count limit counts active and pending silences
// (expired ones free their place, as in Alertmanager); updates in place
// and replacements take no new place; the size limit applies to new
// silences and updates. Each refusal is a ValidationError naming the
// limit and its value.
func TestSilenceLimits(t *testing.T) {
	ctx := context.Background()
	now := t0
	s, st := newTest(t, Options{Limits: Limits{MaxSilences: 2, MaxSilenceSizeBytes: 100}})
	a := mustSet(t, s, sil(t, `{job="a"}`, now, now.Add(time.Hour)), now)
	b := mustSet(t, s, sil(t, `{job="b"}`, now.Add(time.Hour), now.Add(2*time.Hour)), now) // pending counts too
	var ve *ValidationError
	_, err := s.Set(ctx, sil(t, `{job="c"}`, now, now.Add(time.Hour)), now)
	if !errors.As(err, &ve) || !strings.Contains(ve.Msg, "limit is 2") || !strings.Contains(ve.Msg, "max_silences") {
		t.Fatalf("third silence: %v", err)
	}
	saves := st.saves
	// Extending a (in place) and changing b's matchers (a replacement
	// that expires b) need no new place.
	up := sil(t, `{job="a"}`, now, now.Add(3*time.Hour))
	up.ID = a
	if id, err := s.Set(ctx, up, now); err != nil || id != a {
		t.Fatalf("update in place: %s %v", id, err)
	}
	rep := sil(t, `{job="b2"}`, now.Add(time.Hour), now.Add(2*time.Hour))
	rep.ID = b
	if id, err := s.Set(ctx, rep, now); err != nil || id == b {
		t.Fatalf("replacement: %s %v", id, err)
	}
	if st.saves == saves {
		t.Fatal("nothing saved")
	}
	// Expiring one frees a place.
	if err := s.Expire(ctx, a, now); err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, sil(t, `{job="c"}`, now, now.Add(time.Hour)), now)

	big := sil(t, `{job="d"}`, now, now.Add(time.Hour))
	big.Comment = strings.Repeat("x", 101)
	if _, err := s.Set(ctx, big, now); !errors.As(err, &ve) || !strings.Contains(ve.Msg, "limit of 100 bytes") {
		t.Fatalf("large silence: %v", err)
	}
	// Raising the limits (a reload) lets it in; a negative limit is none.
	s.SetLimits(Limits{MaxSilences: -1, MaxSilenceSizeBytes: 1 << 20})
	mustSet(t, s, big, now)
}

func TestSilenceLimitDefaults(t *testing.T) {
	s, _ := newTest(t, Options{})
	l := s.currentLimits()
	if l.MaxSilences != DefaultMaxSilences || l.MaxSilenceSizeBytes != DefaultMaxSilenceSizeBytes ||
		l.MaxWindows != DefaultMaxWindows || l.MaxWindowSizeBytes != DefaultMaxWindowSizeBytes {
		t.Fatalf("defaults: %+v", l)
	}
	// A megabyte comment, as in the report that asked for limits.
	big := sil(t, `{job="d"}`, t0, t0.Add(time.Hour))
	big.Comment = strings.Repeat("x", 1<<20)
	var ve *ValidationError
	if _, err := s.Set(context.Background(), big, t0); !errors.As(err, &ve) {
		t.Fatalf("1 MB comment accepted by default: %v", err)
	}
}

// TestFarFutureSilenceEnds: amtool --duration=300y is accepted, as by
// Alertmanager; an end after year 9999 (which RFC 3339 cannot write) is a
// ValidationError that names the limit.
func TestFarFutureSilenceEnds(t *testing.T) {
	s, _ := newTest(t, Options{})
	id := mustSet(t, s, sil(t, `{job="a"}`, t0, t0.AddDate(300, 0, 0)), t0)
	if got, _ := s.Get(id); !got.EndsAt.Equal(t0.AddDate(300, 0, 0)) {
		t.Fatalf("ends %s", got.EndsAt)
	}
	mustSet(t, s, sil(t, `{job="a"}`, t0, MaxTime), t0)
	var ve *ValidationError
	_, err := s.Set(context.Background(), sil(t, `{job="a"}`, t0, MaxTime.Add(time.Nanosecond)), t0)
	if !errors.As(err, &ve) || !strings.Contains(ve.Msg, "9999-12-31T23:59:59Z") {
		t.Fatalf("end after 9999: %v", err)
	}
}

// TestSilenceLabelNames: names no exposition can produce are refused in
// silences and windows; UTF-8 names (Prometheus 3) are accepted.
func TestSilenceLabelNames(t *testing.T) {
	s, _ := newTest(t, Options{})
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"job", true}, {"host.name", true}, {"my label", true},
		{"a\x00b", false}, {"a\nb", false}, {" job", false}, {"job\t", false},
	} {
		m, err := matcher.New(matcher.Equal, tc.name, "x")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Set(context.Background(), &Silence{Matchers: matcher.Matchers{m}, EndsAt: t0.Add(time.Hour)}, t0)
		var ve *ValidationError
		if tc.ok && err != nil || !tc.ok && (!errors.As(err, &ve) || !strings.Contains(ve.Msg, "invalid label matcher 0")) {
			t.Errorf("silence with label name %q: %v", tc.name, err)
		}
		w := Window{Name: "w", Schedule: "@daily", Duration: model.Duration(time.Hour), Matchers: matcher.Matchers{m}}
		if err := w.Validate(); tc.ok != (err == nil) {
			t.Errorf("window with label name %q: %v", tc.name, err)
		}
	}
}

// TestWindowNamesAndLimits: window names with control characters or
// surrounding white space are refused; API windows are bounded in number
// and size.
func TestWindowNamesAndLimits(t *testing.T) {
	ctx := context.Background()
	s, _ := newTest(t, Options{Limits: Limits{MaxWindows: 1, MaxWindowSizeBytes: 200}})
	mk := func(name string) Window {
		return Window{Name: name, Schedule: "@daily", Duration: model.Duration(time.Hour), Matchers: ms(t, `{job="a"}`), CreatedBy: "ops"}
	}
	var ve *ValidationError
	for _, name := range []string{"a\x00b", "line\nbreak", "esc\x1b[31m", "bell\a", " lead", "trail ", "bad\xff"} {
		if err := s.AddWindow(ctx, mk(name)); !errors.As(err, &ve) || !strings.Contains(ve.Msg, "name") {
			t.Errorf("window name %q: %v", name, err)
		}
	}
	if err := s.AddWindow(ctx, mk("nightly backups")); err != nil {
		t.Fatal(err)
	}
	if err := s.AddWindow(ctx, mk("second")); !errors.As(err, &ve) || !strings.Contains(ve.Msg, "limit is 1") {
		t.Fatalf("second window: %v", err)
	}
	s.SetLimits(Limits{MaxWindows: 10, MaxWindowSizeBytes: 200})
	big := mk("big")
	big.Comment = strings.Repeat("x", 200)
	if err := s.AddWindow(ctx, big); !errors.As(err, &ve) || !strings.Contains(ve.Msg, "limit of 200 bytes") {
		t.Fatalf("large window: %v", err)
	}
	// The configuration's windows follow the name rule too.
	if err := s.SetWindows([]Window{mk("cfg\x00")}); !errors.As(err, &ve) {
		t.Fatalf("configured window with NUL: %v", err)
	}
}

// TestExpiredSilencesBounded: creating and expiring silences in a loop
// does not make alerter hold more than MaxSilences expired ones (besides
// up to MaxSilences active or pending): those that ended longest ago go
// first, from memory and from the store.
func TestExpiredSilencesBounded(t *testing.T) {
	ctx := context.Background()
	s, st := newTest(t, Options{Limits: Limits{MaxSilences: 3}})
	var ids []string
	for i := range 10 {
		at := t0.Add(time.Duration(i) * time.Minute)
		id := mustSet(t, s, sil(t, `{job="a"}`, at, at.Add(time.Hour)), at)
		if err := s.Expire(ctx, id, at); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	got := s.Query(nil, t0.Add(time.Hour))
	if len(got) != 3 || got[0].ID != ids[9] || got[2].ID != ids[7] {
		t.Fatalf("kept %d silences, want the 3 that ended last", len(got))
	}
	if rows, _ := st.LoadSilences(ctx); len(rows) != 3 {
		t.Fatalf("%d rows stored, want 3", len(rows))
	}
}
