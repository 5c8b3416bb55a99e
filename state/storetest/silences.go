package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
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

func testSilenceRoundTrip(t *testing.T, h Harness) {
	ctx := context.Background()
	s, db := open(t, h, "")
	a := &silence.Silence{
		ID:            "a",
		Matchers:      parseMatchers(t, `{job="api", env!="prod", instance=~"host-[0-9]+", "service name"!~"x|y\"z"}`),
		StartsAt:      T0,
		EndsAt:        T0.Add(time.Hour),
		UpdatedAt:     T0,
		CreatedBy:     "ops@example.com",
		Comment:       "disk swap, ticket #42\nsecond line",
		UntilResolved: true,
		MatchedOnce:   true,
	}
	b := &silence.Silence{ID: "b", Matchers: parseMatchers(t, `{job="b"}`), StartsAt: T0, EndsAt: T0.Add(time.Minute), UpdatedAt: T0}
	for _, sil := range []*silence.Silence{a, b} {
		if err := s.SaveSilence(ctx, sil); err != nil {
			t.Fatal(err)
		}
	}
	// Upsert by ID.
	b2 := *b
	b2.EndsAt, b2.Comment = T0.Add(2*time.Hour), "longer"
	if err := s.SaveSilence(ctx, &b2); err != nil {
		t.Fatal(err)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, h, db)
	got, err := s.LoadSilences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !sameSilence(got[0], a) || !sameSilence(got[1], &b2) {
		t.Fatalf("loaded %+v", got)
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

// testSilencesSurviveRestart runs the silence package on the store and
// opens both again, as a restarted alerter does.
func testSilencesSurviveRestart(t *testing.T, h Harness) {
	ctx := context.Background()
	st, db := open(t, h, "")
	sils, err := silence.New(ctx, silence.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	now := T0
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
	st, _ = open(t, h, db)
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

// testFarFutureSilences stores silences that end after 2262-04-11, where
// Unix nanoseconds leave int64 (amtool silence add --duration=290y), up to
// the end of year 9999: they load back exact after a restart.
func testFarFutureSilences(t *testing.T, h Harness) {
	ctx := context.Background()
	s, db := open(t, h, "")
	ends := []time.Time{
		T0.AddDate(300, 0, 0),
		time.Date(2262, 4, 11, 23, 47, 16, 854775808, time.UTC), // one ns past the int64 range
		silence.MaxTime,
	}
	for i, end := range ends {
		sil := &silence.Silence{ID: string(rune('a' + i)), Matchers: parseMatchers(t, `{job="api"}`), StartsAt: T0, EndsAt: end, UpdatedAt: T0}
		if err := s.SaveSilence(ctx, sil); err != nil {
			t.Fatalf("ends %s: %v", end, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, h, db)
	got, err := s.LoadSilences(ctx)
	if err != nil || len(got) != len(ends) {
		t.Fatalf("loaded %d, %v", len(got), err)
	}
	byID := map[string]*silence.Silence{}
	for _, g := range got {
		byID[g.ID] = g
	}
	for i, end := range ends {
		if g := byID[string(rune('a'+i))]; g == nil || !g.EndsAt.Equal(end) {
			t.Errorf("silence %c: %+v, want it to end %s", 'a'+i, g, end)
		}
	}
}

func testAcks(t *testing.T, h Harness) {
	ctx := context.Background()
	s, db := open(t, h, "")
	fired := SampleAlert("r", 1)
	fired.SeverityRaisedAt = time.Time{}
	a := &ack.Ack{
		Ack:      alert.Ack{ID: "k1", By: "alice", Comment: "on it\n\"quoted\"", At: T0, ExpiresAt: T0.Add(time.Hour)},
		Matchers: parseMatchers(t, `{alertname="r", instance=~"host-.*"}`),
		Targets:  []ack.Target{{Key: fired.Key, Fingerprint: fired.Fingerprint(), FiredAt: fired.FiredAt}},
	}
	b := &ack.Ack{Ack: alert.Ack{ID: "k2", By: "bob", At: T0}, Targets: []ack.Target{{Key: fired.Key, Fingerprint: fired.Fingerprint(), FiredAt: T0}}}
	for _, k := range []*ack.Ack{a, b} {
		if err := s.SaveAck(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	b2 := *b
	b2.EndedAt = T0.Add(time.Minute)
	if err := s.SaveAck(ctx, &b2); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, h, db)
	got, err := s.LoadAcks(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("LoadAcks = %+v, %v", got, err)
	}
	slices.SortFunc(got, func(x, y *ack.Ack) int { return strings.Compare(x.ID, y.ID) })
	g := got[0]
	if g.Ack != a.Ack || g.Matchers.String() != a.Matchers.String() || !slices.Equal(g.Targets, a.Targets) || !g.EndedAt.IsZero() {
		t.Errorf("ack k1 = %+v, want %+v", g, a)
	}
	if !g.Covers(fired, T0.Add(time.Minute)) {
		t.Errorf("loaded ack does not cover its alert")
	}
	if got[1].EndedAt != b2.EndedAt || got[1].ExpiresAt != (time.Time{}) {
		t.Errorf("ack k2 = %+v, want ended at %v and no expiry", got[1], b2.EndedAt)
	}
	if err := s.DeleteAcks(ctx, []string{"k1", "unknown"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LoadAcks(ctx); len(got) != 1 || got[0].ID != "k2" {
		t.Errorf("after delete %+v", got)
	}
}

func testWindows(t *testing.T, h Harness) {
	ctx := context.Background()
	s, db := open(t, h, "")
	w1 := silence.Window{Name: "nightly", Schedule: "0 2 * * *", Duration: model.Duration(time.Hour), TimeZone: "Europe/Berlin",
		Matchers: parseMatchers(t, `{env="staging"}`), CreatedBy: "ops", Comment: "backups"}
	w2 := silence.Window{Name: "weekly", Schedule: "0 3 * * 0", Duration: model.Duration(2 * time.Hour), Matchers: parseMatchers(t, `{job=~"batch.*"}`)}
	for _, w := range []silence.Window{w1, w2} {
		if err := s.SaveWindow(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	w1b := w1
	w1b.Comment = "changed"
	if err := s.SaveWindow(ctx, w1b); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, h, db)
	got, err := s.LoadWindows(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("LoadWindows = %+v, %v", got, err)
	}
	// In creation order, a replaced window keeping its place.
	for i, w := range []silence.Window{w1b, w2} {
		g := got[i]
		if g.Name != w.Name || g.Schedule != w.Schedule || g.Duration != w.Duration || g.TimeZone != w.TimeZone ||
			g.CreatedBy != w.CreatedBy || g.Comment != w.Comment || g.Matchers.String() != w.Matchers.String() {
			t.Errorf("window %d = %+v, want %+v", i, g, w)
		}
	}
	if err := s.DeleteWindow(ctx, "nightly"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LoadWindows(ctx); len(got) != 1 || got[0].Name != "weekly" {
		t.Errorf("after delete %+v", got)
	}
}
