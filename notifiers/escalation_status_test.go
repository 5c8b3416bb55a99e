package notifiers

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// TestEscalationsSnapshot reads the escalation progress the API shows as
// a group goes through group_wait, its levels, an acknowledgement and its
// end.
func TestEscalationsSnapshot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		f := newAcks(t, t.TempDir(), &h)
		ev := newFakeEvents()
		h = start(t, ev, t.TempDir(), escalationRoute, withEscalation(f))
		defer h.stop()
		const key = `{}:{alertname="Down"}`
		if got := h.d.Escalations(); len(got) != 0 {
			t.Fatalf("escalations before any alert: %+v", got)
		}
		a := mkAlert("Down", "instance", "a", "severity", "critical")
		ev.fire(a)
		synctest.Wait()
		// Not notified yet: level 1 is due when group_wait ends.
		ge, ok := h.d.Escalations()[key]
		if !ok || ge.Policy != "oncall" || ge.Reached != 0 || ge.Levels != 3 || !ge.Next.Equal(h.t0.Add(30*time.Second)) ||
			ge.NextLevel != 1 || !slices.Equal(ge.NextReceivers, []string{"pager"}) {
			t.Fatalf("before group_wait: %+v (groups %v)", ge, h.d.Escalations())
		}
		time.Sleep(time.Minute)
		ge = h.d.Escalations()[key]
		if ge.Reached != 1 || !ge.Start.Equal(h.t0) || !ge.Next.Equal(h.t0.Add(15*time.Minute)) || ge.NextLevel != 2 ||
			!slices.Equal(ge.NextReceivers, []string{"secondary"}) || !ge.PausedAt.IsZero() {
			t.Fatalf("after level 1: %+v", ge)
		}
		time.Sleep(30 * time.Minute)
		ge = h.d.Escalations()[key]
		if ge.Reached != 3 || !ge.Next.Equal(h.t0.Add(time.Hour)) || ge.NextLevel != 3 || !slices.Equal(ge.NextReceivers, []string{"lead"}) {
			t.Fatalf("at the last level, the repeat is next: %+v", ge)
		}
		f.ack(t, "alice", a)
		time.Sleep(time.Second)
		ge = h.d.Escalations()[key]
		if ge.PausedAt.IsZero() || !ge.Next.IsZero() || ge.NextReceivers != nil {
			t.Fatalf("acknowledged: paused, nothing next: %+v", ge)
		}
		ev.resolve(a)
		time.Sleep(10 * time.Minute)
		if got := h.d.Escalations(); len(got) != 0 {
			t.Fatalf("escalations after the group ended: %+v", got)
		}
	})
}
