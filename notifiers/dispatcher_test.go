package notifiers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/sqlite"
)

// fakeEvents is the evaluator side of the dispatcher for unit tests.
type fakeEvents struct {
	mu     sync.Mutex
	events []*alert.Event
	alerts map[alert.Key]*alert.Alert
	nextID int64
	wake   func() // the dispatcher's Wake, as the evaluator's OnEvents does
}

func newFakeEvents() *fakeEvents { return &fakeEvents{alerts: map[alert.Key]*alert.Alert{}} }

func (f *fakeEvents) PendingEvents(_ context.Context, limit int) ([]*alert.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) > limit {
		return append([]*alert.Event(nil), f.events[:limit]...), nil
	}
	return append([]*alert.Event(nil), f.events...), nil
}

func (f *fakeEvents) LoadAlerts(context.Context) ([]*alert.Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*alert.Alert
	for _, a := range f.alerts {
		out = append(out, a.Clone())
	}
	return out, nil
}

func (f *fakeEvents) consume(_ context.Context, ids []int64, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	done := map[int64]bool{}
	for _, id := range ids {
		done[id] = true
	}
	kept := f.events[:0]
	for _, e := range f.events {
		if !done[e.ID] {
			kept = append(kept, e)
		}
	}
	f.events = kept
	return nil
}

// fire, raise and resolve record what the evaluator would.
func (f *fakeEvents) emit(kind alert.EventKind, a *alert.Alert) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.alerts[a.Key] = a.Clone()
	if a.State == alert.StateInactive {
		delete(f.alerts, a.Key)
	}
	f.events = append(f.events, &alert.Event{ID: f.nextID, Kind: kind, At: time.Now(), Alert: *a.Clone()})
	if f.wake != nil {
		f.wake()
	}
}

func mkAlert(name string, kv ...string) *alert.Alert {
	ls := model.LabelSet{"alertname": model.LabelValue(name)}
	for i := 0; i+1 < len(kv); i += 2 {
		ls[model.LabelName(kv[i])] = model.LabelValue(kv[i+1])
	}
	id := ls.Clone()
	delete(id, "severity")
	now := time.Now()
	return &alert.Alert{Key: alert.Key{RuleID: name, ID: id.Fingerprint()}, Labels: ls, State: alert.StateFiring, ActiveAt: now, FiredAt: now}
}

func (f *fakeEvents) fire(a *alert.Alert) { f.emit(alert.EventFiring, a) }

func (f *fakeEvents) resolve(a *alert.Alert) {
	a.State, a.ResolvedAt = alert.StateInactive, time.Now()
	f.emit(alert.EventResolved, a)
}

func (f *fakeEvents) raise(a *alert.Alert, sev string) {
	a.Labels = a.Labels.Clone()
	a.Labels["severity"] = model.LabelValue(sev)
	a.SeverityRaisedAt = time.Now()
	f.emit(alert.EventSeverityRaised, a)
}

// recorder is an integration that records what it is told.
type recorder struct {
	mu       sync.Mutex
	msgs     []*Message
	at       []time.Time
	resolved bool
}

func (r *recorder) Notify(_ context.Context, m *Message) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	r.at = append(r.at, time.Now())
	return false, nil
}

// log renders each message as "t+Ns group: firing names | resolved names".
func (r *recorder) log(t0 time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i, m := range r.msgs {
		if m.Digest != nil {
			out = append(out, fmt.Sprintf("t+%v digest: %d alerts in %d groups", r.at[i].Sub(t0), m.Digest.Alerts, m.Digest.Groups))
			continue
		}
		var f, res []string
		for _, a := range m.Firing() {
			f = append(f, string(a.Labels["instance"])+"/"+string(a.Labels["severity"]))
		}
		for _, a := range m.Resolved() {
			res = append(res, string(a.Labels["instance"]))
		}
		sort.Strings(f)
		sort.Strings(res)
		line := fmt.Sprintf("t+%v %s: %s", r.at[i].Sub(t0), m.GroupLabels, strings.Join(f, ","))
		if len(res) > 0 {
			line += " | resolved " + strings.Join(res, ",")
		}
		if m.Changes.Repeat {
			line += " (repeat)"
		}
		if len(m.Changes.Raised) > 0 {
			line += " (raised)"
		}
		for _, a := range m.Changes.Acked {
			k, _ := m.Ack(a)
			line += fmt.Sprintf(" (%s acked by %s)", a.Labels["instance"], k.By)
		}
		if e := m.Escalation; e != nil {
			line += fmt.Sprintf(" [%s %d/%d", e.Policy, e.Level, e.Levels)
			if e.Repeat {
				line += " repeat"
			}
			line += "]"
		}
		out = append(out, line)
	}
	return out
}

type harness struct {
	t      *testing.T
	d      *Dispatcher
	ev     *fakeEvents
	store  *sqlite.Store
	dir    string
	recs   map[string]*recorder
	cancel context.CancelFunc
	done   chan struct{}
	t0     time.Time
}

func routeFrom(t *testing.T, text string) *route.Route {
	t.Helper()
	var cfg route.Config
	if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
		t.Fatal(err)
	}
	r, err := route.New(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const testRoute = `
receiver: team
group_by: [alertname]
group_wait: 30s
group_interval: 5m
repeat_interval: 4h
routes:
  - receiver: pager
    matchers: ['severity="critical"']
    group_wait: 10s
`

// start runs a dispatcher and a sender per receiver over a store in dir.
func start(t *testing.T, ev *fakeEvents, dir, routeText string, mod func(*DispatcherOptions)) *harness {
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ev: ev, store: st, dir: dir, recs: map[string]*recorder{}, t0: time.Now()}
	recv := map[string][]ReceiverIntegration{}
	for _, name := range []string{"team", "pager", "secondary", "lead"} {
		r := &recorder{}
		h.recs[name] = r
		recv[name] = []ReceiverIntegration{{Name: "rec/0", Integration: r, SendResolved: true}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var senders []*Sender
	o := DispatcherOptions{
		Route: routeFrom(t, routeText), Receivers: recv, Events: ev, Store: st, Consume: ev.consume,
		PollInterval: time.Hour, // everything is woken explicitly
		OnQueued: func() {
			for _, s := range senders {
				s.Wake()
			}
		},
	}
	if mod != nil {
		mod(&o)
	}
	d, err := NewDispatcher(o)
	if err != nil {
		t.Fatal(err)
	}
	h.d = d
	ev.mu.Lock()
	ev.wake = d.Wake
	ev.mu.Unlock()
	for name, ints := range recv {
		// One group at a time: the timelines list what a receiver got at
		// the same instant in the outbox's order.
		s, err := NewSender(SenderOptions{Receiver: name, Integration: ints[0], Store: st, PollInterval: time.Hour, Parallel: 1})
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, s)
	}
	h.cancel, h.done = cancel, make(chan struct{})
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(ctx) }()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := d.Run(ctx); err != nil {
			t.Error(err)
		}
	}()
	go func() { wg.Wait(); close(h.done) }()
	synctest.Wait() // loaded and idle before the test emits anything
	return h
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
	_ = h.store.Close()
}

func (h *harness) expect(recv string, want ...string) {
	h.t.Helper()
	synctest.Wait()
	got := h.recs[recv].log(h.t0)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		h.t.Fatalf("%s received:\n  %s\nwant:\n  %s", recv, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestGroupingAndTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		h := start(t, ev, t.TempDir(), testRoute, nil)
		defer h.stop()
		a := mkAlert("Disk", "instance", "a", "severity", "warning")
		b := mkAlert("Disk", "instance", "b", "severity", "warning")
		c := mkAlert("Disk", "instance", "c", "severity", "warning")
		ev.fire(a)
		time.Sleep(10 * time.Second)
		ev.fire(b)
		time.Sleep(25 * time.Second) // group_wait (30s) has passed: a and b together
		h.expect("team", `t+30s {alertname="Disk"}: a/warning,b/warning`)
		ev.fire(c)
		time.Sleep(5 * time.Minute) // next group_interval tick
		h.expect("team", `t+30s {alertname="Disk"}: a/warning,b/warning`,
			`t+5m30s {alertname="Disk"}: a/warning,b/warning,c/warning`)
		ev.resolve(a)
		time.Sleep(5 * time.Minute)
		h.expect("team", `t+30s {alertname="Disk"}: a/warning,b/warning`,
			`t+5m30s {alertname="Disk"}: a/warning,b/warning,c/warning`,
			`t+10m30s {alertname="Disk"}: b/warning,c/warning | resolved a`)
		time.Sleep(4 * time.Hour) // nothing changes: one repeat after repeat_interval
		h.expect("team", `t+30s {alertname="Disk"}: a/warning,b/warning`,
			`t+5m30s {alertname="Disk"}: a/warning,b/warning,c/warning`,
			`t+10m30s {alertname="Disk"}: b/warning,c/warning | resolved a`,
			`t+4h10m30s {alertname="Disk"}: b/warning,c/warning (repeat)`)
		ev.resolve(b)
		ev.resolve(c)
		time.Sleep(5 * time.Minute)
		h.expect("team", `t+30s {alertname="Disk"}: a/warning,b/warning`,
			`t+5m30s {alertname="Disk"}: a/warning,b/warning,c/warning`,
			`t+10m30s {alertname="Disk"}: b/warning,c/warning | resolved a`,
			`t+4h10m30s {alertname="Disk"}: b/warning,c/warning (repeat)`,
			`t+4h15m30s {alertname="Disk"}:  | resolved b,c`)
		log, _ := h.store.LoadNflog(context.Background())
		if len(log) != 0 {
			t.Fatalf("notification log kept after the group ended: %+v", log)
		}
		h.expect("pager")
	})
}

func TestSeverityRiseReroutesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		h := start(t, ev, t.TempDir(), testRoute, nil)
		defer h.stop()
		a := mkAlert("CPU", "instance", "a", "severity", "warning")
		ev.fire(a)
		time.Sleep(time.Minute)
		h.expect("team", `t+30s {alertname="CPU"}: a/warning`)
		ev.raise(a, "critical")
		time.Sleep(time.Second)
		// At once, not after the pager route's 10s group_wait.
		h.expect("pager", `t+1m0s {alertname="CPU"}: a/critical`)
		time.Sleep(10 * time.Minute)
		// The warning group lost the alert: no "resolved" for a severity rise.
		h.expect("team", `t+30s {alertname="CPU"}: a/warning`)
	})
}

func TestRestartKeepsRepeatInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		ev := newFakeEvents()
		h := start(t, ev, dir, testRoute, nil)
		ev.fire(mkAlert("Disk", "instance", "a", "severity", "warning"))
		time.Sleep(time.Minute)
		h.expect("team", `t+30s {alertname="Disk"}: a/warning`)
		h.stop()

		time.Sleep(time.Hour)
		h = start(t, ev, dir, testRoute, nil)
		defer h.stop()
		time.Sleep(2 * time.Hour) // still inside repeat_interval: silence
		h.expect("team")
		time.Sleep(65 * time.Minute) // 4h after the first message, at a group tick
		h.expect("team", `t+3h0m30s {alertname="Disk"}: a/warning (repeat)`)
	})
}

func TestRestartSendsWhatWasOwed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		ev := newFakeEvents()
		h := start(t, ev, dir, testRoute, nil)
		ev.fire(mkAlert("Disk", "instance", "a", "severity", "warning"))
		time.Sleep(10 * time.Second) // stopped inside group_wait
		h.stop()
		h = start(t, ev, dir, testRoute, nil)
		defer h.stop()
		time.Sleep(time.Minute)
		h.expect("team", `t+30s {alertname="Disk"}: a/warning`)
	})
}

func TestInhibition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rules []inhibit.RuleConfig
		if err := yaml.Unmarshal([]byte(`
- source_matchers: ['severity="critical"']
  target_matchers: ['severity="warning"']
  equal: [service]
`), &rules); err != nil {
			t.Fatal(err)
		}
		ih, err := inhibit.New(rules)
		if err != nil {
			t.Fatal(err)
		}
		ev := newFakeEvents()
		h := start(t, ev, t.TempDir(), `
receiver: team
group_by: [alertname]
group_wait: 30s
`, func(o *DispatcherOptions) { o.Inhibitor = ih })
		defer h.stop()
		ev.fire(mkAlert("Down", "instance", "x", "service", "api", "severity", "critical"))
		ev.fire(mkAlert("Slow", "instance", "y", "service", "api", "severity", "warning"))
		ev.fire(mkAlert("Slow", "instance", "z", "service", "web", "severity", "warning"))
		time.Sleep(time.Minute)
		h.expect("team", `t+30s {alertname="Down"}: x/critical`, `t+30s {alertname="Slow"}: z/warning`)
	})
}

func TestStormDigest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		h := start(t, ev, t.TempDir(), `
receiver: team
group_by: [instance]
group_wait: 30s
`, func(o *DispatcherOptions) { o.Storm = StormOptions{MaxAlerts: 10, Window: time.Minute} })
		defer h.stop()
		for i := 0; i < 50; i++ {
			ev.fire(mkAlert("Flood", "instance", fmt.Sprint(i)))
		}
		time.Sleep(time.Minute)
		h.expect("team", `t+35s digest: 50 alerts in 50 groups`)
		msgs := h.recs["team"].msgs
		if d := msgs[0].Digest; len(d.ByRule) != 1 || d.ByRule[0] != (Count{Name: "Flood", Count: 50}) {
			t.Fatalf("digest by rule %+v", d.ByRule)
		}
	})
}

var _ = state.Flush{}

// failingFlushes makes ApplyFlush fail while fail is set.
type failingFlushes struct {
	*sqlite.Store
	mu   sync.Mutex
	fail bool
}

func (f *failingFlushes) ApplyFlush(ctx context.Context, fl *state.Flush) error {
	f.mu.Lock()
	failing := f.fail
	f.mu.Unlock()
	if failing && len(fl.Notifications) > 0 {
		return fmt.Errorf("disk full")
	}
	return f.Store.ApplyFlush(ctx, fl)
}

func TestFailedFlushLosesNoResolution(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		var st *failingFlushes
		h := start(t, ev, t.TempDir(), `
receiver: team
group_by: [alertname]
group_wait: 30s
group_interval: 1m
`, func(o *DispatcherOptions) {
			st = &failingFlushes{Store: o.Store.(*sqlite.Store)}
			o.Store = st
		})
		defer h.stop()
		a := mkAlert("Disk", "instance", "a")
		ev.fire(a)
		time.Sleep(time.Minute)
		h.expect("team", `t+30s {alertname="Disk"}: a/`)
		st.mu.Lock()
		st.fail = true
		st.mu.Unlock()
		ev.resolve(a)
		time.Sleep(2 * time.Minute) // the flush with the resolution fails
		h.expect("team", `t+30s {alertname="Disk"}: a/`)
		st.mu.Lock()
		st.fail = false
		st.mu.Unlock()
		time.Sleep(5 * time.Second) // retried every second: delivered at once
		h.expect("team", `t+30s {alertname="Disk"}: a/`, `t+3m1s {alertname="Disk"}:  | resolved a`)
	})
}

func TestNoSendResolved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newFakeEvents()
		h := start(t, ev, t.TempDir(), `
receiver: team
group_by: [alertname]
group_wait: 30s
group_interval: 1m
`, func(o *DispatcherOptions) {
			for name, ints := range o.Receivers {
				for i := range ints {
					ints[i].SendResolved = false
				}
				o.Receivers[name] = ints
			}
		})
		defer h.stop()
		a := mkAlert("Disk", "instance", "a")
		b := mkAlert("Disk", "instance", "b")
		ev.fire(a)
		ev.fire(b)
		time.Sleep(time.Minute)
		ev.resolve(a)
		time.Sleep(time.Minute) // a change, but only a resolution: nothing to say
		ev.resolve(b)
		time.Sleep(5 * time.Minute)
		h.expect("team", `t+30s {alertname="Disk"}: a/,b/`)
		if log, _ := h.store.LoadNflog(context.Background()); len(log) != 0 {
			t.Fatalf("the group ended but its log stayed: %+v", log)
		}
	})
}
