package sqlite

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
)

func parseMatchers(t *testing.T, s string) matcher.Matchers {
	t.Helper()
	ms, err := matcher.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func sameSilence(a, b *silence.Silence) bool {
	return a.ID == b.ID && a.Matchers.String() == b.Matchers.String() &&
		slices.EqualFunc(a.Matchers, b.Matchers, func(x, y *matcher.Matcher) bool { return x.Type == y.Type }) &&
		a.StartsAt.Equal(b.StartsAt) && a.EndsAt.Equal(b.EndsAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.CreatedBy == b.CreatedBy && a.Comment == b.Comment &&
		a.UntilResolved == b.UntilResolved && a.MatchedOnce == b.MatchedOnce
}

func TestSilenceStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	a := &silence.Silence{
		ID:            "a",
		Matchers:      parseMatchers(t, `{job="api", env!="prod", instance=~"host-[0-9]+", "service name"!~"x|y\"z"}`),
		StartsAt:      t0,
		EndsAt:        t0.Add(time.Hour),
		UpdatedAt:     t0,
		CreatedBy:     "ops@example.com",
		Comment:       "disk swap, ticket #42\nsecond line",
		UntilResolved: true,
		MatchedOnce:   true,
	}
	b := &silence.Silence{ID: "b", Matchers: parseMatchers(t, `{job="b"}`), StartsAt: t0, EndsAt: t0.Add(time.Minute), UpdatedAt: t0}
	for _, sil := range []*silence.Silence{a, b} {
		if err := s.SaveSilence(ctx, sil); err != nil {
			t.Fatal(err)
		}
	}
	// Upsert by ID.
	b2 := *b
	b2.EndsAt, b2.Comment = t0.Add(2*time.Hour), "longer"
	if err := s.SaveSilence(ctx, &b2); err != nil {
		t.Fatal(err)
	}
	var endsAt int64
	if err := s.db.QueryRow(`SELECT ends_at FROM silences WHERE id = 'b'`).Scan(&endsAt); err != nil || endsAt != t0.Add(2*time.Hour).UnixNano() {
		t.Errorf("ends_at = %d, %v; want %d", endsAt, err, t0.Add(2*time.Hour).UnixNano())
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	got, err := s.LoadSilences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !sameSilence(got[0], a) || !sameSilence(got[1], &b2) {
		t.Fatalf("loaded %+v %+v", got[0], got[1])
	}
	// Regular expressions come back compiled and anchored.
	if !got[0].Matchers.Matches(model.LabelSet{"job": "api", "instance": "host-12"}) ||
		got[0].Matchers.Matches(model.LabelSet{"job": "api", "instance": "xhost-12"}) {
		t.Errorf("loaded matchers do not match as stored")
	}

	if err := s.DeleteSilences(ctx, []string{"a", "unknown"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSilences(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LoadSilences(ctx); len(got) != 1 || got[0].ID != "b" {
		t.Errorf("after delete: %v", got)
	}
	if err := s.SaveSilence(ctx, &silence.Silence{Matchers: parseMatchers(t, `{a="b"}`)}); err == nil {
		t.Errorf("saving a silence without an ID succeeded")
	}
}

// TestSilencesSurviveRestart runs the silence package on the real store and
// opens both again, as a restarted alerter does.
func TestSilencesSurviveRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTest(t, dir)
	sils, err := silence.New(ctx, silence.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	set := func(m string, start, end time.Time, untilResolved bool) string {
		t.Helper()
		id, err := sils.Set(ctx, &silence.Silence{
			Matchers: parseMatchers(t, m), StartsAt: start, EndsAt: end,
			CreatedBy: "me", Comment: "c", UntilResolved: untilResolved,
		}, now)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	active := set(`{job="api", env!="prod"}`, now, now.Add(time.Hour), false)
	regex := set(`{instance=~"host-[0-9]+", severity!~"info|debug"}`, now, now.Add(time.Hour), false)
	pending := set(`{job="db"}`, now.Add(time.Hour), now.Add(2*time.Hour), false)
	resolved := set(`{job="web"}`, now, now.Add(time.Hour), true)
	expired := set(`{job="old"}`, now, now.Add(time.Hour), false)
	if err := sils.Expire(ctx, expired, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := sils.ExpireResolved(ctx, []model.LabelSet{{"job": "web"}}, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	before := sils.Query(nil, now.Add(time.Minute))

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openTest(t, dir)
	sils, err = silence.New(ctx, silence.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	after := sils.Query(nil, now.Add(time.Minute))
	if len(after) != len(before) {
		t.Fatalf("%d silences after restart, want %d", len(after), len(before))
	}
	for i := range before {
		if !sameSilence(before[i], after[i]) {
			t.Errorf("after restart\n%+v\nwant\n%+v", after[i], before[i])
		}
	}
	at := now.Add(2 * time.Minute)
	for _, tc := range []struct {
		ls   model.LabelSet
		want []string
	}{
		{model.LabelSet{"job": "api", "env": "dev"}, []string{active}},
		{model.LabelSet{"instance": "host-1", "severity": "critical"}, []string{regex}},
		{model.LabelSet{"job": "db"}, nil},  // pending
		{model.LabelSet{"job": "old"}, nil}, // expired
		{model.LabelSet{"job": "web"}, []string{resolved}},
	} {
		if got := sils.MutedBy(tc.ls, at); !slices.Equal(got, tc.want) {
			t.Errorf("MutedBy(%v) = %v, want %v", tc.ls, got, tc.want)
		}
	}
	if !sils.Mutes(model.LabelSet{"job": "db"}, now.Add(90*time.Minute)) {
		t.Errorf("pending silence %s does not mute once started", pending)
	}
	// MatchedOnce survived: the resolved alert expires its silence now.
	if got, err := sils.ExpireResolved(ctx, nil, at); err != nil || !slices.Equal(got, []string{resolved}) {
		t.Errorf("ExpireResolved after restart = %v, %v; want [%s]", got, err, resolved)
	}

	// GC deletes the rows once the retention has passed.
	n, err := sils.GC(ctx, now.Add(2*time.Hour+silence.DefaultRetention))
	if err != nil || n != 5 {
		t.Fatalf("GC = %d, %v; want all 5", n, err)
	}
	if rows, err := st.LoadSilences(ctx); err != nil || len(rows) != 0 {
		t.Errorf("rows after GC: %d, %v", len(rows), err)
	}
}

// TestFarFutureSilence stores silences that end after 2262-04-11, where
// Unix nanoseconds leave int64 (amtool silence add --duration=300y), up to
// the end of year 9999: they load back exact, and ends_at saturates.
func TestFarFutureSilence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	ends := []time.Time{
		t0.AddDate(300, 0, 0),
		time.Date(2262, 4, 11, 23, 47, 16, 854775808, time.UTC), // one ns past the int64 range
		silence.MaxTime,
	}
	for i, end := range ends {
		sil := &silence.Silence{ID: string(rune('a' + i)), Matchers: parseMatchers(t, `{job="api"}`), StartsAt: t0, EndsAt: end, UpdatedAt: t0}
		if err := s.SaveSilence(ctx, sil); err != nil {
			t.Fatalf("ends %s: %v", end, err)
		}
		var endsAt int64
		if err := s.db.QueryRow(`SELECT ends_at FROM silences WHERE id = ?`, sil.ID).Scan(&endsAt); err != nil || endsAt != math.MaxInt64 {
			t.Errorf("ends %s: ends_at = %d, %v; want math.MaxInt64", end, endsAt, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	got, err := s.LoadSilences(ctx)
	if err != nil || len(got) != len(ends) {
		t.Fatalf("loaded %d, %v", len(got), err)
	}
	for i, end := range ends {
		if !got[i].EndsAt.Equal(end) {
			t.Errorf("silence %s ends %s, want %s", got[i].ID, got[i].EndsAt, end)
		}
	}
}
