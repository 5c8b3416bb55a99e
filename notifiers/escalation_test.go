package notifiers

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers/escalation"
	"github.com/alerter/alerter/state/sqlite"
)

const escalationRoute = `
receiver: team
group_by: [alertname]
group_wait: 30s
group_interval: 5m
repeat_interval: 4h
escalation: oncall
`

// oncall is the example: the primary pager at once, the
// secondary after 15 minutes unacknowledged, the lead after 30,
// repeating every 30.
func oncall() map[string]*escalation.Policy {
	return map[string]*escalation.Policy{"oncall": {
		Name: "oncall",
		Levels: []escalation.Level{
			{After: 0, Receivers: []string{"pager"}},
			{After: model.Duration(15 * time.Minute), Receivers: []string{"secondary"}},
			{After: model.Duration(30 * time.Minute), Receivers: []string{"lead"}},
		},
		RepeatEvery: model.Duration(30 * time.Minute),
	}}
}

// ackFixture is an acknowledgement store wired to the harness's
// dispatcher, persisted in its own directory (so it survives restarts).
type ackFixture struct {
	acks *ack.Acks
	h    **harness
}

func newAcks(t *testing.T, dir string, h **harness) *ackFixture {
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	acks, err := ack.New(context.Background(), ack.Options{Store: st, OnChange: func() {
		if *h != nil {
			(*h).d.AcksChanged()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	return &ackFixture{acks: acks, h: h}
}

func (f *ackFixture) ack(t *testing.T, by string, as ...*alert.Alert) *ack.Ack {
	t.Helper()
	k, err := f.acks.Create(context.Background(), ack.Request{By: by, Comment: "on it"}, as, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func withEscalation(f *ackFixture) func(*DispatcherOptions) {
	return func(o *DispatcherOptions) {
		o.Acks = f.acks
		o.Escalations = oncall()
	}
}

func TestEscalationLevelsAndRepeats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		f := newAcks(t, t.TempDir(), &h)
		ev := newFakeEvents()
		h = start(t, ev, t.TempDir(), escalationRoute, withEscalation(f))
		defer h.stop()
		a := mkAlert("Down", "instance", "a", "severity", "critical")
		ev.fire(a)
		time.Sleep(90 * time.Minute)
		h.expect("team", `t+30s {alertname="Down"}: a/critical`)
		h.expect("pager", `t+30s {alertname="Down"}: a/critical [oncall 1/3]`)
		h.expect("secondary", `t+15m0s {alertname="Down"}: a/critical [oncall 2/3]`)
		h.expect("lead", `t+30m0s {alertname="Down"}: a/critical [oncall 3/3]`,
			`t+1h0m0s {alertname="Down"}: a/critical (repeat) [oncall 3/3 repeat]`,
			`t+1h30m0s {alertname="Down"}: a/critical (repeat) [oncall 3/3 repeat]`)

		// A second alert joins: every engaged receiver hears of it at the
		// next group tick, without a new escalation level.
		ev.fire(mkAlert("Down", "instance", "b", "severity", "critical"))
		time.Sleep(5 * time.Minute)
		h.expect("secondary", `t+15m0s {alertname="Down"}: a/critical [oncall 2/3]`,
			`t+1h30m30s {alertname="Down"}: a/critical,b/critical`)

		// Resolution reaches everyone who was paged, and ends it all.
		ev.resolve(a)
		ev.resolve(mkAlertLike(ev, "Down", "b"))
		time.Sleep(5 * time.Minute)
		for _, r := range []string{"team", "pager", "secondary", "lead"} {
			msgs := h.recs[r].log(h.t0)
			if last := msgs[len(msgs)-1]; last != `t+1h35m30s {alertname="Down"}:  | resolved a,b` {
				t.Errorf("%s: last message %q, want the resolution", r, last)
			}
		}
		if escs, _ := h.store.LoadEscalations(context.Background()); len(escs) != 0 {
			t.Fatalf("escalation state kept after the group ended: %+v", escs)
		}
		time.Sleep(2 * time.Hour)
		h.expect("lead", `t+30m0s {alertname="Down"}: a/critical [oncall 3/3]`,
			`t+1h0m0s {alertname="Down"}: a/critical (repeat) [oncall 3/3 repeat]`,
			`t+1h30m0s {alertname="Down"}: a/critical (repeat) [oncall 3/3 repeat]`,
			`t+1h30m30s {alertname="Down"}: a/critical,b/critical`,
			`t+1h35m30s {alertname="Down"}:  | resolved a,b`)
	})
}

// mkAlertLike returns the current firing alert of the fake evaluator with
// that name and instance.
func mkAlertLike(ev *fakeEvents, name, instance string) *alert.Alert {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for _, a := range ev.alerts {
		if string(a.Labels["alertname"]) == name && string(a.Labels["instance"]) == instance {
			return a.Clone()
		}
	}
	panic("no such alert")
}

func TestAcknowledgementStopsEscalationAndRepeats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		f := newAcks(t, t.TempDir(), &h)
		ev := newFakeEvents()
		h = start(t, ev, t.TempDir(), escalationRoute, withEscalation(f))
		defer h.stop()
		a := mkAlert("Down", "instance", "a", "severity", "critical")
		ev.fire(a)
		time.Sleep(10 * time.Minute)
		f.ack(t, "alice", a)
		time.Sleep(time.Second)
		// Told at once, by everyone engaged so far.
		h.expect("team", `t+30s {alertname="Down"}: a/critical`, `t+10m0s {alertname="Down"}: a/critical (a acked by alice)`)
		h.expect("pager", `t+30s {alertname="Down"}: a/critical [oncall 1/3]`, `t+10m0s {alertname="Down"}: a/critical (a acked by alice)`)
		// No secondary at 15m, no lead at 30m, no repeat at 4h.
		time.Sleep(5 * time.Hour)
		h.expect("secondary")
		h.expect("lead")
		h.expect("team", `t+30s {alertname="Down"}: a/critical`, `t+10m0s {alertname="Down"}: a/critical (a acked by alice)`)
		// Resolving ends the acknowledgement (and the group, at its next
		// tick: the ack's flush at t+10m moved the ticks to t+10m+5m*k);
		// the same alert firing again is a new incident, escalated anew.
		ev.resolve(a)
		time.Sleep(5 * time.Minute)
		h.expect("pager", `t+30s {alertname="Down"}: a/critical [oncall 1/3]`, `t+10m0s {alertname="Down"}: a/critical (a acked by alice)`,
			`t+5h15m0s {alertname="Down"}:  | resolved a`)
		a2 := mkAlert("Down", "instance", "a", "severity", "critical")
		ev.fire(a2)
		if _, ok := f.acks.Acknowledged(a2, time.Now()); ok {
			t.Fatal("a new firing episode is acknowledged by the old acknowledgement")
		}
		time.Sleep(16 * time.Minute)
		h.expect("pager", `t+30s {alertname="Down"}: a/critical [oncall 1/3]`, `t+10m0s {alertname="Down"}: a/critical (a acked by alice)`,
			`t+5h15m0s {alertname="Down"}:  | resolved a`, `t+5h15m31s {alertname="Down"}: a/critical [oncall 1/3]`)
		h.expect("secondary", `t+5h30m1s {alertname="Down"}: a/critical [oncall 2/3]`)
	})
}

func TestSeverityRiseEndsAcknowledgement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		f := newAcks(t, t.TempDir(), &h)
		ev := newFakeEvents()
		h = start(t, ev, t.TempDir(), escalationRoute, withEscalation(f))
		defer h.stop()
		a := mkAlert("Disk", "instance", "a", "severity", "warning")
		ev.fire(a)
		time.Sleep(time.Minute)
		f.ack(t, "bob", a)
		time.Sleep(19 * time.Minute)
		h.expect("secondary")
		ev.raise(a, "critical") // at t+20m
		time.Sleep(time.Second)
		h.expect("pager", `t+30s {alertname="Disk"}: a/warning [oncall 1/3]`,
			`t+1m0s {alertname="Disk"}: a/warning (a acked by bob)`,
			`t+20m0s {alertname="Disk"}: a/critical (raised)`)
		if _, ok := f.acks.Acknowledged(mkAlertLike(ev, "Disk", "a"), time.Now()); ok {
			t.Fatal("the acknowledgement survived a severity rise")
		}
		// Escalation resumes from level 2, counted from the rise.
		time.Sleep(15 * time.Minute)
		h.expect("secondary", `t+35m0s {alertname="Disk"}: a/critical [oncall 2/3]`)
	})
}

func TestAcknowledgementExpiryResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		f := newAcks(t, t.TempDir(), &h)
		ev := newFakeEvents()
		h = start(t, ev, t.TempDir(), escalationRoute, withEscalation(f))
		defer h.stop()
		a := mkAlert("Down", "instance", "a", "severity", "critical")
		ev.fire(a)
		time.Sleep(time.Minute)
		if _, err := f.acks.Create(context.Background(), ack.Request{By: "carol", ExpiresAt: time.Now().Add(time.Hour)}, []*alert.Alert{a}, time.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(59 * time.Minute)
		h.expect("secondary")
		// Expired at t+1h1m, a group tick (the ack's flush at t+1m moved
		// them to t+1m+5m*k): the clock, stopped at t+1m one minute after
		// the alert fired, resumes where it stopped; no level is skipped
		// for the hour spent acknowledged, nor paged at once.
		time.Sleep(30 * time.Minute)
		h.expect("secondary", `t+1h15m0s {alertname="Down"}: a/critical [oncall 2/3]`)
		h.expect("lead", `t+1h30m0s {alertname="Down"}: a/critical [oncall 3/3]`)
	})
}

func TestEscalationSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		f := newAcks(t, t.TempDir(), &h)
		dir := t.TempDir()
		ev := newFakeEvents()
		h = start(t, ev, dir, escalationRoute, withEscalation(f))
		ev.fire(mkAlert("Down", "instance", "a", "severity", "critical"))
		time.Sleep(20 * time.Minute)
		h.expect("pager", `t+30s {alertname="Down"}: a/critical [oncall 1/3]`)
		h.expect("secondary", `t+15m0s {alertname="Down"}: a/critical [oncall 2/3]`)
		h.stop()
		h = nil

		// Down from t+20m to t+40m: level 3 fell due at t+30m.
		time.Sleep(20 * time.Minute)
		h = start(t, ev, dir, escalationRoute, withEscalation(f))
		defer h.stop()
		time.Sleep(time.Minute)
		// Not started over (no pager, no secondary again), not skipped
		// (the lead is paged once the group has formed again).
		h.expect("pager")
		h.expect("secondary")
		h.expect("lead", `t+30s {alertname="Down"}: a/critical [oncall 3/3]`)
		time.Sleep(30 * time.Minute)
		h.expect("lead", `t+30s {alertname="Down"}: a/critical [oncall 3/3]`,
			`t+30m30s {alertname="Down"}: a/critical (repeat) [oncall 3/3 repeat]`)
	})
}

func TestAcknowledgementSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		ackDir := t.TempDir()
		f := newAcks(t, ackDir, &h)
		dir := t.TempDir()
		ev := newFakeEvents()
		h = start(t, ev, dir, escalationRoute, withEscalation(f))
		a := mkAlert("Down", "instance", "a", "severity", "critical")
		ev.fire(a)
		time.Sleep(time.Minute)
		f.ack(t, "dave", a)
		time.Sleep(time.Second)
		h.stop()
		h = nil
		// A new process: acknowledgements reloaded from the store.
		f2 := newAcks(t, ackDir, &h)
		h = start(t, ev, dir, escalationRoute, withEscalation(f2))
		defer h.stop()
		time.Sleep(5 * time.Hour)
		h.expect("team")
		h.expect("pager")
		h.expect("secondary")
	})
}

// TestRestartForgetsGroupsThatNoLongerExist: after a restart with a
// routing tree that groups differently, the old groups' notification log
// and escalation state are deleted rather than kept forever.
func TestRestartForgetsGroupsThatNoLongerExist(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		f := newAcks(t, t.TempDir(), &h)
		dir := t.TempDir()
		ev := newFakeEvents()
		h = start(t, ev, dir, escalationRoute, withEscalation(f))
		ev.fire(mkAlert("Down", "instance", "a", "severity", "critical"))
		time.Sleep(time.Minute)
		h.stop()
		byInstance := strings.Replace(escalationRoute, "group_by: [alertname]", "group_by: [instance]", 1)
		h = start(t, ev, dir, byInstance, withEscalation(f))
		defer h.stop()
		log, _ := h.store.LoadNflog(context.Background())
		escs, _ := h.store.LoadEscalations(context.Background())
		for _, e := range log {
			if strings.Contains(e.GroupKey, "alertname") {
				t.Fatalf("old group's log kept: %+v", e)
			}
		}
		for _, e := range escs {
			if strings.Contains(e.GroupKey, "alertname") {
				t.Fatalf("old group's escalation kept: %+v", e)
			}
		}
		time.Sleep(time.Minute)
		h.expect("pager", `t+30s {instance="a"}: a/critical [oncall 1/3]`)
	})
}

// muteUntil mutes every alert until a time (Unix nanoseconds).
type muteUntil struct{ until atomic.Int64 }

func (m *muteUntil) Mutes(_ model.LabelSet, now time.Time) bool {
	return now.UnixNano() < m.until.Load()
}

// TestSilencedGroupDoesNotEscalate: while a silence mutes the group's
// alerts its escalation clock stands still, and it resumes where it was.
func TestSilencedGroupDoesNotEscalate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		f := newAcks(t, t.TempDir(), &h)
		ev := newFakeEvents()
		mute := &muteUntil{}
		h = start(t, ev, t.TempDir(), escalationRoute, func(o *DispatcherOptions) {
			withEscalation(f)(o)
			o.Muter = mute
		})
		defer h.stop()
		ev.fire(mkAlert("Down", "instance", "a", "severity", "critical"))
		time.Sleep(10 * time.Minute)
		mute.until.Store(time.Now().Add(2 * time.Hour).UnixNano()) // silenced at t+10m for 2h
		time.Sleep(2*time.Hour + 30*time.Minute)
		// Paused at the t+10m30s tick with 10m30s on the clock; resumed at
		// the t+2h10m30s tick: level 2 (15m) follows 4m30s later.
		h.expect("pager", `t+30s {alertname="Down"}: a/critical [oncall 1/3]`)
		h.expect("secondary", `t+2h15m0s {alertname="Down"}: a/critical [oncall 2/3]`)
	})
}
