package notifiers

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeProgress is the evaluator's progress for group_wait_early: every
// evaluation due before w is stored.
type fakeProgress struct {
	mu    sync.Mutex
	w     time.Time
	known bool
	d     *Dispatcher
}

func (p *fakeProgress) EvaluatedBefore() (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w, p.known
}

// evaluated records that every evaluation due before w was stored, and
// tells the dispatcher, as the evaluator's OnEvaluated does.
func (p *fakeProgress) evaluated(w time.Time) {
	p.mu.Lock()
	p.w, p.known = w, true
	d := p.d
	p.mu.Unlock()
	d.EvaluationDone()
}

const earlyRoute = `
receiver: team
group_by: [alertname]
group_wait: 30s
group_interval: 5m
repeat_interval: 4h
group_wait_early: true
routes:
  - receiver: pager
    matchers: ['severity="critical"']
    group_wait_early: false
`

func startEarly(t *testing.T, ev *fakeEvents, p *fakeProgress, routeText string) *harness {
	t.Helper()
	reg := prometheus.NewRegistry()
	h := start(t, ev, t.TempDir(), routeText, func(o *DispatcherOptions) {
		o.Evaluations = p
		o.Registerer = reg
	})
	p.mu.Lock()
	p.d = h.d
	p.mu.Unlock()
	return h
}

// The first notification goes out once the evaluations due when the group
// formed are stored, with the alerts they raised, and at the latest after
// group_wait; later ones follow group_interval as usual.
func TestGroupWaitEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		p := &fakeProgress{}
		h := startEarly(t, ev, p, earlyRoute)
		defer h.stop()
		t0 := time.Now()
		// Evaluations due at t0 run: one group's alert is stored first.
		p.evaluated(t0) // everything due before t0 is stored, not t0's
		ev.fire(mkAlert("Disk", "instance", "a", "severity", "warning"))
		time.Sleep(2 * time.Second)
		h.expect("team") // another evaluation due at t0 is still running
		// It stores its alert, then the evaluator moves past t0.
		ev.fire(mkAlert("Disk", "instance", "b", "severity", "warning"))
		time.Sleep(time.Second)
		h.expect("team")
		p.evaluated(t0.Add(time.Minute))
		synctest.Wait()
		h.expect("team", `t+3s {alertname="Disk"}: a/warning,b/warning`)
		if got := testutil.ToFloat64(h.d.metrics.earlyFlushes); got != 1 {
			t.Fatalf("alerter_notification_groups_early_total = %v", got)
		}
		// A later alert waits for group_interval, as without the setting.
		time.Sleep(time.Minute)
		ev.fire(mkAlert("Disk", "instance", "c", "severity", "warning"))
		p.evaluated(t0.Add(2 * time.Minute))
		time.Sleep(5 * time.Minute)
		h.expect("team", `t+3s {alertname="Disk"}: a/warning,b/warning`,
			`t+5m3s {alertname="Disk"}: a/warning,b/warning,c/warning`)

		// A group that forms once the evaluations are already past its
		// forming time goes out at once.
		p.evaluated(time.Now().Add(30 * time.Second))
		ev.fire(mkAlert("CPU", "instance", "x", "severity", "warning"))
		synctest.Wait()
		h.expect("team", `t+3s {alertname="Disk"}: a/warning,b/warning`,
			`t+5m3s {alertname="Disk"}: a/warning,b/warning,c/warning`,
			`t+6m3s {alertname="CPU"}: x/warning`)

		// group_wait_early: false on the child route: the full group_wait.
		ev.fire(mkAlert("Disk", "instance", "y", "severity", "critical"))
		p.evaluated(time.Now().Add(time.Hour))
		time.Sleep(29 * time.Second)
		h.expect("pager")
		time.Sleep(time.Second)
		h.expect("pager", `t+6m33s {alertname="Disk"}: y/critical`)
	})
}

// Evaluations that never get past the group's forming time, or no
// evaluator at all, leave group_wait as the bound.
func TestGroupWaitEarlyIsBoundedByGroupWait(t *testing.T) {
	for name, known := range map[string]bool{"stuck": true, "unknown": false} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ev := newFakeEvents()
				p := &fakeProgress{known: known, w: time.Now().Add(-time.Minute)}
				h := startEarly(t, ev, p, earlyRoute)
				defer h.stop()
				ev.fire(mkAlert("Disk", "instance", "a", "severity", "warning"))
				time.Sleep(29 * time.Second)
				h.expect("team")
				time.Sleep(time.Second)
				h.expect("team", `t+30s {alertname="Disk"}: a/warning`)
			})
		})
	}
}

// Without the setting, the evaluations' progress changes nothing.
func TestGroupWaitWithoutEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		p := &fakeProgress{}
		h := startEarly(t, ev, p, testRoute)
		defer h.stop()
		ev.fire(mkAlert("Disk", "instance", "a", "severity", "warning"))
		p.evaluated(time.Now().Add(time.Hour))
		time.Sleep(29 * time.Second)
		h.expect("team")
		time.Sleep(time.Second)
		h.expect("team", `t+30s {alertname="Disk"}: a/warning`)
	})
}
