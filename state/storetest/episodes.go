package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// SampleFlap returns a flapping alert's history, every field set.
func SampleFlap() *alert.Flap {
	return &alert.Flap{
		Resolutions: []time.Time{T0.Add(time.Minute), T0.Add(3 * time.Minute), T0.Add(5 * time.Minute)},
		LastChange:  T0.Add(6 * time.Minute),
		Since:       T0.Add(6 * time.Minute),
		Incident:    T0.Add(6 * time.Minute),
		Ended:       T0.Add(-time.Hour),
	}
}

// testFlapRoundTrip: an alert's flap history survives the alerts table
// and the outbox's snapshots, across a restart.
func testFlapRoundTrip(t *testing.T, h Harness) {
	s, db := open(t, h, "")
	a := SampleAlert("flappy", 1)
	a.Flap = SampleFlap()
	ev := SampleEvent(alert.EventFlapping, a)
	commit(t, s, &state.Batch{Group: "g", Upserts: []*alert.Alert{a}, Events: []*alert.Event{ev}})
	CheckAlerts(t, s, a)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, h, db)
	CheckAlerts(t, s, a)
	evs, err := s.PendingEvents(context.Background(), 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("PendingEvents = %v, %v", evs, err)
	}
	CheckEvent(t, evs[0], ev)

	// A new history replaces the old one; none clears it.
	b := a.Clone()
	b.Flap = &alert.Flap{Resolutions: []time.Time{T0}, LastChange: T0, Ended: T0.Add(time.Hour)}
	commit(t, s, &state.Batch{Group: "g", Upserts: []*alert.Alert{b}})
	CheckAlerts(t, s, b)
	c := b.Clone()
	c.Flap = nil
	commit(t, s, &state.Batch{Group: "g", Upserts: []*alert.Alert{c}})
	CheckAlerts(t, s, c)
}

// sampleEpisode returns the open episode of alert i of rule.
func sampleEpisode(rule string, i int, firedAt time.Time) state.Episode {
	ls := model.LabelSet{"alertname": model.LabelValue(rule), "instance": model.LabelValue(fmt.Sprintf("host-%d", i))}
	return state.Episode{RuleID: rule + "-id", Group: "rules.yml;" + rule + "-group", Alertname: rule,
		ID: ls.Fingerprint(), Labels: ls, FiredAt: firedAt}
}

func loadEpisodes(t *testing.T, s Store, since time.Time, limit int) []state.Episode {
	t.Helper()
	eps, err := s.LoadEpisodes(context.Background(), since, limit)
	if err != nil {
		t.Fatalf("LoadEpisodes: %v", err)
	}
	return eps
}

func checkEpisodes(t *testing.T, got []state.Episode, want ...state.Episode) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("episodes:\n got %+v\nwant %+v", got, want)
	}
}

func testEpisodes(t *testing.T, h Harness) {
	ctx := context.Background()
	s, db := open(t, h, "")
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 10))

	// Two episodes open, in one evaluation batch.
	a := sampleEpisode("A", 1, T0)
	b := sampleEpisode("B", 2, T0.Add(time.Second))
	b.Flapping = true
	b.Labels = model.LabelSet{"alertname": "B", "zoné": "日本\n\"x\""}
	commit(t, s, &state.Batch{Group: "g", Episodes: []state.Episode{a, b}})
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 10), a, b)

	// The notification side notes notifications and a first
	// acknowledgement; a second acknowledgement does not replace it, and
	// notes of episodes that are not stored change nothing.
	note := func(e state.Episode, n int, ackedAt time.Time, by string) state.EpisodeNote {
		return state.EpisodeNote{RuleID: e.RuleID, ID: e.ID, FiredAt: e.FiredAt, Notifications: n, AckedAt: ackedAt, AckedBy: by}
	}
	ghost := sampleEpisode("ghost", 9, T0)
	if err := s.ApplyFlush(ctx, &state.Flush{At: T0, EpisodeNotes: []state.EpisodeNote{
		note(a, 2, time.Time{}, ""), note(a, 1, T0.Add(time.Minute), "alice"), note(ghost, 5, T0, "x"),
	}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyFlush(ctx, &state.Flush{At: T0, EpisodeNotes: []state.EpisodeNote{note(a, 1, T0.Add(2*time.Minute), "bob")}}); err != nil {
		t.Fatal(err)
	}
	a.Notifications, a.AckedAt, a.AckedBy = 4, T0.Add(time.Minute), "alice"
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 10), a, b)

	// The evaluator resolves A (with new labels) and marks it flapping;
	// what the notification side noted stays. An upsert without a
	// resolution does not reopen B, and does not clear its flapping mark.
	resolved := a
	resolved.ResolvedAt, resolved.Evaluations, resolved.Flapping = T0.Add(10*time.Minute), 3, true
	resolved.Labels = model.LabelSet{"alertname": "A", "instance": "host-1", "severity": "critical"}
	resolved.Notifications, resolved.AckedAt, resolved.AckedBy = 0, time.Time{}, ""
	bResolved := b
	bResolved.ResolvedAt, bResolved.Evaluations = T0.Add(20*time.Minute), 40
	commit(t, s, &state.Batch{Group: "g", Episodes: []state.Episode{resolved, bResolved}})
	again := b
	again.Flapping = false
	commit(t, s, &state.Batch{Group: "g", Episodes: []state.Episode{again}})
	a.ResolvedAt, a.Evaluations, a.Flapping, a.Labels = resolved.ResolvedAt, 3, true, resolved.Labels
	b = bResolved
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 10), a, b)

	// A later episode of the same alert is another row; since and limit
	// select by firing time, oldest first.
	a2 := sampleEpisode("A", 1, T0.Add(time.Hour))
	a2.Evaluations = -1
	commit(t, s, &state.Batch{Group: "g", Episodes: []state.Episode{a2}})
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 10), a, b, a2)
	checkEpisodes(t, loadEpisodes(t, s, T0.Add(time.Second), 10), b, a2)
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 2), a, b)
	checkEpisodes(t, loadEpisodes(t, s, T0.Add(2*time.Hour), 10))
	if got := loadEpisodes(t, s, time.Time{}, 0); len(got) != 0 {
		t.Errorf("limit 0 returned %d episodes", len(got))
	}

	last, err := s.LastFired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]time.Time{"A-id": a2.FiredAt, "B-id": b.FiredAt}; !reflect.DeepEqual(last, want) {
		t.Errorf("LastFired = %v, want %v", last, want)
	}

	// A batch with an unstorable episode stores nothing of itself.
	bad := sampleEpisode("C", 3, time.Unix(0, 0))
	al := SampleAlert("atomic", 1)
	if err := s.Commit(ctx, &state.Batch{Group: "g", Upserts: []*alert.Alert{al}, Episodes: []state.Episode{sampleEpisode("C", 4, T0), bad}}); err == nil {
		t.Fatal("a batch with an unstorable episode was committed")
	}
	CheckAlerts(t, s)

	// Restart: all there.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, h, db)
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 10), a, b, a2)
}

// testEpisodesFenced: a deposed term writes no episode and no note.
func testEpisodesFenced(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	old := acquire(t, s, "old", time.Hour)
	stale := h.Fence(s, old.Epoch)
	a := sampleEpisode("A", 1, T0)
	commit(t, stale, &state.Batch{Group: "g", Episodes: []state.Episode{a}})
	if err := s.ReleaseLease(ctx, "old", old.Epoch); err != nil {
		t.Fatal(err)
	}
	acquire(t, s, "new", time.Hour)
	closed := a
	closed.ResolvedAt, closed.Evaluations = T0.Add(time.Minute), 1
	if err := stale.Commit(ctx, &state.Batch{Group: "g", Episodes: []state.Episode{closed, sampleEpisode("B", 2, T0)}}); !errors.Is(err, state.ErrFenced) {
		t.Errorf("Commit of episodes by a deposed term = %v, want ErrFenced", err)
	}
	err := stale.ApplyFlush(ctx, &state.Flush{At: T0, EpisodeNotes: []state.EpisodeNote{
		{RuleID: a.RuleID, ID: a.ID, FiredAt: a.FiredAt, Notifications: 1, AckedAt: T0, AckedBy: "x"}}})
	if !errors.Is(err, state.ErrFenced) {
		t.Errorf("ApplyFlush of episode notes by a deposed term = %v, want ErrFenced", err)
	}
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 10), a)
}

func testPruneEpisodes(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, "")
	var all []state.Episode
	for i := range 6 {
		e := sampleEpisode("P", i, T0.Add(time.Duration(i)*time.Hour))
		if i != 1 {
			e.ResolvedAt, e.Evaluations = e.FiredAt.Add(time.Minute), 1
		}
		all = append(all, e)
	}
	commit(t, s, &state.Batch{Group: "g", Episodes: all})
	// Resolved episodes that fired before the cutoff go; the open one
	// that fired before it stays.
	n, err := s.PruneEpisodes(ctx, T0.Add(2*time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("PruneEpisodes by age = %d, %v; want 1", n, err)
	}
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 10), all[1:]...)
	// Beyond the count, the oldest go first, open or not.
	n, err = s.PruneEpisodes(ctx, T0, 3)
	if err != nil || n != 2 {
		t.Fatalf("PruneEpisodes by count = %d, %v; want 2", n, err)
	}
	checkEpisodes(t, loadEpisodes(t, s, time.Time{}, 10), all[3:]...)
	if n, err := s.PruneEpisodes(ctx, T0, 3); err != nil || n != 0 {
		t.Errorf("PruneEpisodes with nothing to prune = %d, %v", n, err)
	}
}

// testLargeEpisodeBatch: a storm's firings (more episodes than one
// statement carries) are all stored, and an episode listed twice in the
// batch (it fired, then resolved) ends as its later listing says, whether
// the two listings share a statement or not.
func testLargeEpisodeBatch(t *testing.T, h Harness) {
	s, _ := open(t, h, "")
	const n = 700
	eps := make([]state.Episode, 0, n+2)
	for i := range n {
		eps = append(eps, sampleEpisode("Storm", i, T0.Add(time.Duration(i%7)*time.Second)))
	}
	resolve := func(e state.Episode, evals int64) state.Episode {
		e.ResolvedAt, e.Evaluations = T0.Add(time.Hour), evals
		return e
	}
	eps = append(eps[:20], append([]state.Episode{resolve(eps[10], 2)}, eps[20:]...)...) // same chunk as its firing
	eps = append(eps, resolve(eps[5], 9))                                                // far from it
	commit(t, s, &state.Batch{Group: "g", Episodes: eps})

	got := loadEpisodes(t, s, time.Time{}, 2*n)
	if len(got) != n {
		t.Fatalf("stored %d episodes, want %d", len(got), n)
	}
	want := map[model.Fingerprint]int64{eps[10].ID: 2, eps[5].ID: 9}
	for _, e := range got {
		if evals, ok := want[e.ID]; ok {
			if e.ResolvedAt.IsZero() || e.Evaluations != evals {
				t.Errorf("episode %s: resolved %v after %d evaluations, want resolved after %d", e.Labels, e.ResolvedAt, e.Evaluations, evals)
			}
			delete(want, e.ID)
		} else if !e.ResolvedAt.IsZero() {
			t.Errorf("episode %s resolved, want open", e.Labels)
		}
	}
	if len(want) != 0 {
		t.Errorf("episodes not found: %v", want)
	}
}
