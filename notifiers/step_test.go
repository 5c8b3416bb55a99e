package notifiers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/sqlite"
)

// flushLog records what each flush queued, at the flush's time.
type flushLog struct {
	*sqlite.Store
	t0   time.Time
	msgs []string
}

func (f *flushLog) ApplyFlush(ctx context.Context, fl *state.Flush) error {
	for _, n := range fl.Notifications {
		m, err := DecodeMessage(n.Message)
		if err != nil {
			return err
		}
		var names []string
		for _, a := range m.Alerts {
			names = append(names, string(a.Labels["instance"])+"/"+a.State.String())
		}
		sort.Strings(names)
		f.msgs = append(f.msgs, fmt.Sprintf("t+%v %s: %s", n.CreatedAt.Sub(f.t0), n.Receiver, strings.Join(names, ",")))
	}
	return f.Store.ApplyFlush(ctx, fl)
}

// TestStepFollowsSimulatedTime drives the dispatcher with Load and Step
// at the times it asks for, as alerter test and alerter replay do: the
// group_wait, group_interval and repeat_interval timeline is the one Run
// follows on the wall clock (TestGroupingAndTimers), with no clock read.
func TestStepFollowsSimulatedTime(t *testing.T) {
	st, err := sqlite.Open(sqlite.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	log := &flushLog{Store: st, t0: t0}
	ev := newFakeEvents()
	d, err := NewDispatcher(DispatcherOptions{
		Route: routeFrom(t, testRoute), Events: ev, Store: log, Consume: ev.consume,
		Receivers: map[string][]ReceiverIntegration{
			"team":  {{Name: "rec/0", Integration: &recorder{}, SendResolved: true}},
			"pager": {{Name: "rec/0", Integration: &recorder{}, SendResolved: true}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	var next time.Time
	var due bool
	now := t0
	// advance steps at every time the dispatcher asks for up to to, then
	// at to itself.
	advance := func(to time.Time) {
		for due && next.Before(to) {
			now = next
			next, due = d.Step(ctx, now)
		}
		now = to
		next, due = d.Step(ctx, now)
	}
	a := mkAlert("Disk", "instance", "a", "severity", "warning")
	b := mkAlert("Disk", "instance", "b", "severity", "warning")
	ev.fire(a)
	advance(t0)
	if !due || !next.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("next round at %v (due %v), want group_wait later", next, due)
	}
	ev.fire(b)
	advance(t0.Add(10 * time.Second))
	advance(t0.Add(6 * time.Minute))
	ev.resolve(a)
	advance(t0.Add(6 * time.Minute))
	advance(t0.Add(4*time.Hour + 11*time.Minute))
	want := []string{
		"t+30s team: a/firing,b/firing",
		"t+10m30s team: a/inactive,b/firing",
		"t+4h10m30s team: b/firing",
	}
	if strings.Join(log.msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("queued:\n  %s\nwant:\n  %s", strings.Join(log.msgs, "\n  "), strings.Join(want, "\n  "))
	}
}
