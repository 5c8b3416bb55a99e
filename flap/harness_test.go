package flap_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/escalation"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/quality"
	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/state/sqlite"
)

// The timelines run alerter's real evaluator (its group loops, state
// machine and flap detection), its real dispatcher and senders, and the
// acknowledgement store over a real SQLite store, in synctest's
// simulated time; only the datasource is a fake whose one series is up
// or down as the test says, minute by minute.

// source is the datasource: one series, up while up(minute) says so.
type source struct {
	mu sync.Mutex
	t0 time.Time
	up func(minute int) bool
}

func (s *source) Query(_ context.Context, _ string, ts time.Time, into *evaluator.Vector) error {
	into.Reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.up(int(ts.Sub(s.t0) / time.Minute)) {
		into.Append([]evaluator.Label{{Name: "instance", Value: "a"}}, 1)
	}
	return nil
}

// recorder is a receiver's integration: it keeps what it is sent.
type recorder struct {
	mu   sync.Mutex
	msgs []*notifiers.Message
	at   []time.Time
}

func (r *recorder) Notify(_ context.Context, m *notifiers.Message) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	r.at = append(r.at, time.Now())
	return false, nil
}

// log renders each message as "t+<since t0> <what it says>": firing,
// resolved, flapping, stable/firing, stable/resolved, acked, repeat,
// escalation level.
func (r *recorder) log(t0 time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i, m := range r.msgs {
		c := m.Changes
		var parts []string
		add := func(what string, as []*alert.Alert) {
			if len(as) > 0 {
				parts = append(parts, what)
			}
		}
		add("firing", c.Firing)
		add("flapping", c.Flapping)
		for _, a := range c.Stable {
			parts = append(parts, "stable/"+map[bool]string{true: "firing", false: "resolved"}[a.State == alert.StateFiring])
		}
		if len(c.Resolved) > len(c.Stable) {
			parts = append(parts, "resolved")
		}
		add("acked", c.Acked)
		if c.Repeat {
			parts = append(parts, "repeat")
		}
		if e := m.Escalation; e != nil {
			parts = append(parts, fmt.Sprintf("level %d", e.Level))
		}
		out = append(out, fmt.Sprintf("t+%v %s", r.at[i].Sub(t0).Round(time.Second), strings.Join(parts, ",")))
	}
	return out
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// world is one alerter: evaluator, dispatcher, senders and acks over a
// SQLite store in dir. stop and start again is a restart.
type world struct {
	t       *testing.T
	dir     string
	rules   *rules.Set
	route   string
	src     *source
	recs    map[string]*recorder
	reg     *prometheus.Registry
	quality *quality.Recorder

	store  *sqlite.Store
	mgr    *evaluator.Manager
	disp   *notifiers.Dispatcher
	acks   *ack.Acks
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// oncall pages the pager at once and the secondary after 15 minutes
// unacknowledged.
var oncall = map[string]*escalation.Policy{"oncall": {Name: "oncall", Levels: []escalation.Level{
	{After: 0, Receivers: []string{"pager"}},
	{After: 900_000_000_000, Receivers: []string{"secondary"}},
}}}

// newWorld writes the rule file and starts an alerter on a new store.
func newWorld(t *testing.T, ruleFile, routeText string, up func(int) bool) *world {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "rules.yml")
	if err := os.WriteFile(p, []byte(ruleFile), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := rules.LoadFiles([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, dir: dir, rules: set, route: routeText, src: &source{t0: time.Now(), up: up}, recs: map[string]*recorder{}}
	for _, name := range []string{"team", "pager", "secondary"} {
		w.recs[name] = &recorder{}
	}
	w.start()
	return w
}

// start opens the store and starts everything, restoring state.
func (w *world) start() {
	t := w.t
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Dir: w.dir})
	if err != nil {
		t.Fatal(err)
	}
	w.store = st
	w.reg = prometheus.NewRegistry()
	w.quality = quality.New(w.reg)
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	if w.acks, err = ack.New(ctx, ack.Options{Store: st, OnChange: func() {
		if w.disp != nil {
			w.disp.AcksChanged()
		}
	}}); err != nil {
		t.Fatal(err)
	}
	var rc route.Config
	if err := yaml.Unmarshal([]byte(w.route), &rc); err != nil {
		t.Fatal(err)
	}
	root, err := route.New(&rc)
	if err != nil {
		t.Fatal(err)
	}
	recv := map[string][]notifiers.ReceiverIntegration{}
	for name, r := range w.recs {
		recv[name] = []notifiers.ReceiverIntegration{{Name: "rec/0", Integration: r, SendResolved: true}}
	}
	var senders []*notifiers.Sender
	disp, err := notifiers.NewDispatcher(notifiers.DispatcherOptions{
		Route: root, Receivers: recv, Acks: w.acks, Escalations: oncall, Events: st, Store: st, Consume: st.MarkDelivered,
		Quality: w.quality, PollInterval: time.Minute, // woken when there is something to do
		OnQueued: func() {
			for _, s := range senders {
				s.Wake()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, ints := range recv {
		s, err := notifiers.NewSender(notifiers.SenderOptions{Receiver: name, Integration: ints[0], Store: st, PollInterval: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, s)
	}
	w.mgr, err = evaluator.New(evaluator.Options{Querier: w.src, Store: st, DatasourceDownAfter: -1, Quality: w.quality,
		OnEvents: disp.Wake})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.mgr.Start(ctx, w.rules); err != nil {
		t.Fatal(err)
	}
	w.disp = disp
	w.wg.Go(func() {
		if err := disp.Run(ctx); err != nil {
			t.Error(err)
		}
	})
	for _, s := range senders {
		w.wg.Go(func() { s.Run(ctx) })
	}
}

// stop stops everything and closes the store, as a process that exits.
func (w *world) stop() {
	w.cancel()
	w.mgr.Stop()
	w.wg.Wait()
	if err := w.store.Close(); err != nil {
		w.t.Fatal(err)
	}
}

// at sleeps until minute m (and s seconds) of the timeline.
func (w *world) at(m int, s int) {
	d := time.Until(w.src.t0.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second))
	if d > 0 {
		time.Sleep(d)
	}
}

func (w *world) expect(receiver string, want ...string) {
	w.t.Helper()
	got := w.recs[receiver].log(w.src.t0)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		w.t.Errorf("%s was told:\n  %s\nwant:\n  %s", receiver, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// alert returns the rule's alert as the API lists it (held ones too).
func (w *world) alert() *alert.Alert {
	for _, a := range w.mgr.Alerts() {
		return a
	}
	return nil
}

// gathered returns the value of one series of w's metrics, written as
// name{label="value",...} with labels sorted; 0 when absent.
func gathered(t *testing.T, w *world, series string) float64 {
	t.Helper()
	mfs, err := w.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+`="`+l.GetValue()+`"`)
			}
			if mf.GetName()+"{"+strings.Join(ls, ",")+"}" != series {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
	}
	return 0
}
