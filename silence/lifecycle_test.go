package silence

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

func TestExpireResolved(t *testing.T) {
	ctx := context.Background()
	s, st := newTest(t, Options{})
	end := t0.Add(24 * time.Hour)
	ur := func(m string, start time.Time) string {
		in := sil(t, m, start, end)
		in.UntilResolved = true
		in.MatchedOnce = true // ignored by Set
		return mustSet(t, s, in, t0)
	}
	db := ur(`{job="db"}`, t0)
	web := ur(`{job="web"}`, t0)
	pending := ur(`{job="db"}`, t0.Add(time.Hour))
	plain := mustSet(t, s, sil(t, `{job="db"}`, t0, end), t0)
	if mustGet(t, s, db).MatchedOnce {
		t.Fatalf("Set kept the caller's MatchedOnce")
	}
	dbAlert := model.LabelSet{"job": "db", "instance": "1"}

	step := func(at time.Time, firing ...model.LabelSet) []string {
		t.Helper()
		got, err := s.ExpireResolved(ctx, firing, at)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// Nothing has fired yet: a silence created ahead of its alert waits.
	if got := step(t0.Add(time.Minute)); len(got) != 0 {
		t.Fatalf("expired %v before anything matched", got)
	}
	// The db alert fires: db is marked, and the mark is saved.
	v := s.Version()
	if got := step(t0.Add(2*time.Minute), dbAlert); len(got) != 0 {
		t.Fatalf("expired %v while its alert fires", got)
	}
	if !mustGet(t, s, db).MatchedOnce || !st.get(db).MatchedOnce || mustGet(t, s, web).MatchedOnce {
		t.Fatalf("MatchedOnce not recorded for exactly the matching silence")
	}
	if s.Version() == v {
		t.Errorf("marking did not change Version")
	}
	if !s.Mutes(dbAlert, t0.Add(2*time.Minute)) {
		t.Errorf("silence does not mute its alert")
	}
	// Still firing: nothing changes, nothing is saved.
	saves := st.saves
	if got := step(t0.Add(3*time.Minute), dbAlert); len(got) != 0 || st.saves != saves {
		t.Fatalf("second step changed something: %v", got)
	}

	// A restart remembers the mark.
	s, err := New(ctx, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	// An in-place update keeps it.
	upd := mustGet(t, s, db)
	upd.EndsAt = end.Add(time.Hour)
	if id := mustSet(t, s, upd, t0.Add(4*time.Minute)); id != db || !mustGet(t, s, db).MatchedOnce {
		t.Fatalf("in-place update lost MatchedOnce")
	}

	// Resolved: db expires now; web never matched; pending is not active;
	// the plain silence is not UntilResolved.
	at := t0.Add(5 * time.Minute)
	if got := step(at, model.LabelSet{"job": "other"}); !slices.Equal(got, []string{db}) {
		t.Fatalf("ExpireResolved = %v, want [%s]", got, db)
	}
	if g := mustGet(t, s, db); !g.EndsAt.Equal(at) || g.State(at) != StateExpired || !st.get(db).EndsAt.Equal(at) {
		t.Errorf("db not expired at %v: %+v", at, g)
	}
	for _, id := range []string{web, pending, plain} {
		if g := mustGet(t, s, id); !g.EndsAt.Equal(end) {
			t.Errorf("silence %s was changed", id)
		}
	}
	if s.Mutes(dbAlert, at) == false {
		t.Errorf("plain silence no longer mutes")
	}

	// A pending silence starts tracking once active.
	at2 := t0.Add(2 * time.Hour)
	step(at2, dbAlert)
	if !mustGet(t, s, pending).MatchedOnce {
		t.Errorf("pending silence not marked once active")
	}
	if got := step(at2.Add(time.Minute)); !slices.Equal(got, []string{pending}) {
		t.Errorf("ExpireResolved = %v, want [%s]", got, pending)
	}
}

func TestExpireResolvedReplacementStartsOver(t *testing.T) {
	ctx := context.Background()
	s, _ := newTest(t, Options{})
	in := sil(t, `{job="db"}`, t0, t0.Add(time.Hour))
	in.UntilResolved = true
	id := mustSet(t, s, in, t0)
	if _, err := s.ExpireResolved(ctx, []model.LabelSet{{"job": "db"}}, t0); err != nil {
		t.Fatal(err)
	}
	upd := mustGet(t, s, id)
	upd.Matchers = ms(t, `{job="db", env="prod"}`)
	newID := mustSet(t, s, upd, t0.Add(time.Minute))
	if newID == id || mustGet(t, s, newID).MatchedOnce {
		t.Errorf("a replacing silence inherited MatchedOnce")
	}
}

func TestExpireResolvedStoreFailure(t *testing.T) {
	ctx := context.Background()
	s, st := newTest(t, Options{})
	in := sil(t, `{job="db"}`, t0, t0.Add(time.Hour))
	in.UntilResolved = true
	id := mustSet(t, s, in, t0)
	st.setFail(errDisk)
	v := s.Version()
	if _, err := s.ExpireResolved(ctx, []model.LabelSet{{"job": "db"}}, t0); !errors.Is(err, errDisk) {
		t.Errorf("ExpireResolved = %v, want the store's error", err)
	}
	if s.Version() != v || mustGet(t, s, id).MatchedOnce {
		t.Errorf("state changed although the store failed")
	}
}

func TestGC(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewPedanticRegistry()
	s, st := newTest(t, Options{Registerer: reg})
	created := t0.Add(-time.Hour)
	old := mustSet(t, s, sil(t, `{job="a"}`, created, t0), created)
	if err := s.Expire(ctx, mustSet(t, s, sil(t, `{job="b"}`, created, t0.Add(time.Hour)), created), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	live := mustSet(t, s, sil(t, `{job="c"}`, created, t0.Add(1000*time.Hour)), created)

	// Alertmanager keeps a silence until EndsAt + retention (default 120h)
	// and deletes it once that is not after now.
	if n, err := s.GC(ctx, t0.Add(DefaultRetention-time.Nanosecond)); n != 0 || err != nil {
		t.Fatalf("GC before retention = %d, %v", n, err)
	}
	v := s.Version()
	if n, err := s.GC(ctx, t0.Add(DefaultRetention)); n != 1 || err != nil {
		t.Fatalf("GC at retention = %d, %v; want 1", n, err)
	}
	if _, err := s.Get(old); !errors.Is(err, ErrNotFound) || st.get(old) != nil {
		t.Errorf("collected silence still there")
	}
	if s.Version() == v {
		t.Errorf("GC did not change Version")
	}
	if n, _ := s.GC(ctx, t0.Add(DefaultRetention+time.Hour)); n != 1 {
		t.Errorf("second GC = %d, want 1", n)
	}
	if got := sortedIDs(s.Query(nil, t0)); !slices.Equal(got, []string{live}) {
		t.Errorf("left %v, want [%s]", got, live)
	}
	if got := testutil.ToFloat64(s.gcTotal); got != 2 {
		t.Errorf("alerter_silences_gc_total = %v, want 2", got)
	}

	// A shorter retention.
	s2, _ := newTest(t, Options{Retention: time.Hour})
	mustSet(t, s2, sil(t, `{job="a"}`, created, t0), created)
	if n, _ := s2.GC(ctx, t0.Add(time.Hour)); n != 1 {
		t.Errorf("GC with 1h retention = %d, want 1", n)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	s, _ := newTest(t, Options{Registerer: reg})
	now := time.Now()
	mustSet(t, s, sil(t, `{job="a"}`, now, now.Add(time.Hour)), now)
	mustSet(t, s, sil(t, `{job="b"}`, now, now.Add(time.Hour)), now)
	mustSet(t, s, sil(t, `{job="c"}`, now.Add(time.Hour), now.Add(2*time.Hour)), now)
	exp := mustSet(t, s, sil(t, `{job="d"}`, now, now.Add(time.Hour)), now)
	if err := s.Expire(context.Background(), exp, now); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP alerter_silences Silences by state.
# TYPE alerter_silences gauge
alerter_silences{state="active"} 2
alerter_silences{state="expired"} 1
alerter_silences{state="pending"} 1
# HELP alerter_silences_gc_total Expired silences deleted after their retention.
# TYPE alerter_silences_gc_total counter
alerter_silences_gc_total 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	// Registering twice in one registry fails instead of panicking.
	if _, err := New(context.Background(), Options{Registerer: reg}); err == nil {
		t.Errorf("second New on the same registry succeeded")
	}
}

// TestConcurrentUse runs changes and reads at once; run it with -race.
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	s, _ := newTest(t, Options{})
	ls := model.LabelSet{"job": "db", "instance": "1"}
	var writers, readers sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; i < 200; i++ {
				at := t0.Add(time.Duration(i) * time.Second)
				id, err := s.Set(ctx, sil(t, `{job="db"}`, at, at.Add(time.Minute)), at)
				if err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					if err := s.Expire(ctx, id, at); err != nil {
						t.Error(err)
					}
				}
				if i%50 == 0 {
					if _, err := s.GC(ctx, at); err != nil {
						t.Error(err)
					}
					if err := s.SetWindows([]Window{win(t, "@hourly", time.Minute, "")}); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	for r := 0; r < 4; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				at := t0.Add(time.Duration(i%300) * time.Second)
				s.Mutes(ls, at)
				s.MutedBy(ls, at)
				if i%20 == 0 {
					for _, q := range s.Query(nil, at) {
						_ = q.State(at)
					}
					s.Windows()
					_, _ = s.ExpireResolved(ctx, []model.LabelSet{ls}, at)
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	if !s.Mutes(ls, t0.Add(199*time.Second+30*time.Second)) {
		t.Errorf("last silences do not mute")
	}
}

func TestHasUntilResolved(t *testing.T) {
	s, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.HasUntilResolved(t0) {
		t.Fatal("no silences")
	}
	ms, _ := matcher.Parse(`alertname="Disk"`)
	if _, err := s.Set(context.Background(), &Silence{Matchers: ms, StartsAt: t0, EndsAt: t0.Add(time.Hour), CreatedBy: "a", Comment: "c"}, t0); err != nil {
		t.Fatal(err)
	}
	if s.HasUntilResolved(t0) {
		t.Fatal("an ordinary silence counted")
	}
	if _, err := s.Set(context.Background(), &Silence{Matchers: ms, StartsAt: t0, EndsAt: t0.Add(time.Hour), CreatedBy: "a", Comment: "c", UntilResolved: true}, t0); err != nil {
		t.Fatal(err)
	}
	if !s.HasUntilResolved(t0) || s.HasUntilResolved(t0.Add(2*time.Hour)) {
		t.Fatal("an active UntilResolved silence, and only while active")
	}
}
