package evaluator

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"

	"github.com/alerter/alerter/alert"
)

// fakeRemote stands for remote write into the datasource: a sample
// becomes visible to queries once a waiting Commit wrote it (written), as
// in a Prometheus that receives remote writes.
type fakeRemote struct {
	mu      sync.Mutex
	queued  []string // "labels value @t", in commit order, not yet written
	written []string
	log     []string // "commit", "commit+wait", with what each wrote
	failErr error    // returned by waiting Commits
	onWrite func(samples []string)
}

type fakeAppender struct {
	r       *fakeRemote
	samples []string
}

func (r *fakeRemote) appender() Appender { return &fakeAppender{r: r} }

func fmtSample(ls labels.Labels, t int64, v float64) string {
	vs := "stale"
	if !value.IsStaleNaN(v) {
		vs = model.SampleValue(v).String()
	}
	return ls.String() + " " + vs + " @" + model.Time(t).String()
}

func (a *fakeAppender) Append(ls labels.Labels, t int64, v float64) {
	a.samples = append(a.samples, fmtSample(ls, t, v))
}

func (a *fakeAppender) Commit(_ context.Context, wait bool) error {
	a.r.mu.Lock()
	defer a.r.mu.Unlock()
	a.r.queued = append(a.r.queued, a.samples...)
	a.samples = nil
	if !wait {
		a.r.log = append(a.r.log, "commit")
		return nil
	}
	if a.r.failErr != nil {
		a.r.log = append(a.r.log, "commit+wait failed")
		return a.r.failErr
	}
	a.r.log = append(a.r.log, "commit+wait")
	a.r.written = append(a.r.written, a.r.queued...)
	if a.r.onWrite != nil {
		a.r.onWrite(a.r.queued)
	}
	a.r.queued = nil
	return nil
}

// all returns every sample committed so far, written or not, sorted.
func (r *fakeRemote) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append(append([]string(nil), r.written...), r.queued...)
	sort.Strings(out)
	return out
}

func (r *fakeRemote) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queued, r.written, r.log = nil, nil, nil
}

const recordRules = `groups:
- name: g
  query_offset: 10s
  rules:
  - record: job:errors:sum
    expr: sum by (job) (errors)
    labels: {team: web, job: ""}
  - alert: ErrorsHigh
    expr: job:errors:sum > 5
    for: 1m
  - alert: Independent
    expr: up == 0
`

func TestRecordingRuleAndDependentAlert(t *testing.T) {
	q := &fakeQuerier{}
	st := openStore(t, t.TempDir())
	rem := &fakeRemote{}
	// The datasource answers job:errors:sum > 5 from what was written.
	rem.onWrite = func(samples []string) {
		for _, s := range samples {
			if strings.HasPrefix(s, `{__name__="job:errors:sum"`) && strings.Contains(s, " 7 @") {
				q.set("job:errors:sum > 5", vec(smp(7, "__name__", "job:errors:sum", "team", "web")))
			}
		}
	}
	m := newTestManager(t, q, st, func(o *Options) { o.Appender = rem.appender })
	startManager(t, m, mustParse(t, recordRules))
	q.set("sum by (job) (errors)", vec(smp(7, "job", "api")))
	q.set("up == 0", vec())

	evalGroup(m, "g", t0)
	tsMs := model.TimeFromUnixNano(t0.Add(-10 * time.Second).UnixNano()).String()
	got := rem.all()
	want := []string{
		`{__name__="ALERTS", alertname="ErrorsHigh", alertstate="pending", team="web"} 1 @` + tsMs,
		`{__name__="ALERTS_FOR_STATE", alertname="ErrorsHigh", team="web"} ` + model.SampleValue(float64(t0.Unix())).String() + ` @` + tsMs,
		`{__name__="job:errors:sum", team="web"} 7 @` + tsMs,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("samples:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The recorded sample was written before the dependent rule queried;
	// the independent rule did not wait again.
	if strings.Join(rem.log, ",") != "commit+wait,commit" {
		t.Fatalf("commits: %q", rem.log)
	}
	if a := alertsOf(m, "ErrorsHigh"); len(a) != 1 || a[0].State != alert.StatePending {
		t.Fatalf("the alert did not see the series recorded in the same evaluation: %+v", a)
	}

	// A minute later it fires: the pending series goes stale.
	rem.reset()
	evalGroup(m, "g", t0.Add(time.Minute))
	ts2 := model.TimeFromUnixNano(t0.Add(50 * time.Second).UnixNano()).String()
	got = rem.all()
	if !contains(got, `{__name__="ALERTS", alertname="ErrorsHigh", alertstate="firing", team="web"} 1 @`+ts2) ||
		!contains(got, `{__name__="ALERTS", alertname="ErrorsHigh", alertstate="pending", team="web"} stale @`+ts2) {
		t.Fatalf("after firing:\n%s", strings.Join(got, "\n"))
	}

	// The recorded series disappears: a staleness marker, and the alert,
	// whose query reads nothing now, resolves and its series go stale.
	rem.reset()
	q.set("sum by (job) (errors)", vec())
	q.set("job:errors:sum > 5", vec())
	evalGroup(m, "g", t0.Add(2*time.Minute))
	got = rem.all()
	for _, w := range []string{
		`{__name__="job:errors:sum", team="web"} stale`,
		`{__name__="ALERTS", alertname="ErrorsHigh", alertstate="firing", team="web"} stale`,
		`{__name__="ALERTS_FOR_STATE", alertname="ErrorsHigh", team="web"} stale`,
	} {
		if !containsPrefix(got, w) {
			t.Errorf("no %q in:\n%s", w, strings.Join(got, "\n"))
		}
	}
	rs := ruleStatus(m, "job:errors:sum")
	if rs.Health != HealthOK || !rs.LastEval.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("recording rule status: %+v", rs)
	}
}

// When the recorded samples cannot be written, the rule that reads them is
// not evaluated: its state is frozen and its health says why.
func TestDependentRuleFrozenWhenWriteFails(t *testing.T) {
	q := &fakeQuerier{}
	st := openStore(t, t.TempDir())
	rem := &fakeRemote{}
	m := newTestManager(t, q, st, func(o *Options) { o.Appender = rem.appender })
	startManager(t, m, mustParse(t, recordRules))
	q.set("sum by (job) (errors)", vec(smp(7, "job", "api")))
	q.set("job:errors:sum > 5", vec(smp(7, "__name__", "job:errors:sum", "team", "web")))
	q.set("up == 0", vec())
	evalGroup(m, "g", t0)
	if a := alertsOf(m, "ErrorsHigh"); len(a) != 1 {
		t.Fatalf("alerts: %+v", a)
	}
	rem.failErr = errors.New("remote write main: server returned HTTP status 503")
	q.set("job:errors:sum > 5", vec()) // would resolve it, were it evaluated
	evalGroup(m, "g", t0.Add(time.Minute))
	if a := alertsOf(m, "ErrorsHigh"); len(a) != 1 || a[0].State != alert.StatePending {
		t.Fatalf("a rule whose input was not written moved on: %+v", a)
	}
	rs := ruleStatus(m, "ErrorsHigh")
	if rs.Health != HealthErr || !strings.Contains(rs.LastError, "were not written") || !strings.Contains(rs.LastError, "503") {
		t.Fatalf("status: %+v", rs)
	}
	if rs := ruleStatus(m, "Independent"); rs.Health != HealthOK {
		t.Fatalf("the independent rule: %+v", rs)
	}
}

// Without remote write, recording rules are not evaluated and ALERTS are
// not written; alerting rules work as before.
func TestRecordingSkippedWithoutRemoteWrite(t *testing.T) {
	q := &fakeQuerier{}
	m := newTestManager(t, q, openStore(t, t.TempDir()), nil)
	startManager(t, m, mustParse(t, recordRules))
	q.set("up == 0", vec(smp(0, "instance", "a")))
	evalGroup(m, "g", t0)
	if rs := ruleStatus(m, "job:errors:sum"); rs.Health != HealthUnknown {
		t.Fatalf("recording rule evaluated without remote write: %+v", rs)
	}
	if len(alertsOf(m, "Independent")) != 1 {
		t.Fatal("alerting rule not evaluated")
	}
}

func TestRecordingRuleErrors(t *testing.T) {
	q := &fakeQuerier{}
	rem := &fakeRemote{}
	m := newTestManager(t, q, openStore(t, t.TempDir()), func(o *Options) { o.Appender = rem.appender })
	startManager(t, m, mustParse(t, `groups:
- name: g
  limit: 1
  rules:
  - record: dup
    expr: x
    labels: {instance: ""}
  - record: many
    expr: y
`))
	q.set("x", vec(smp(1, "instance", "a"), smp(2, "instance", "b")))
	q.set("y", vec(smp(1, "instance", "a"), smp(2, "instance", "b")))
	evalGroup(m, "g", t0)
	if rs := ruleStatus(m, "dup"); rs.Health != HealthErr || !strings.Contains(rs.LastError, "same labelset") {
		t.Errorf("dup: %+v", rs)
	}
	if rs := ruleStatus(m, "many"); rs.Health != HealthErr || !strings.Contains(rs.LastError, "exceeded limit of 1 with 2 series") {
		t.Errorf("many: %+v", rs)
	}
	if got := rem.all(); len(got) != 0 {
		t.Errorf("failed rules wrote %q", got)
	}
	q.set("x", vec(smp(1, "instance", "a")))
	q.fail(nil)
	evalGroup(m, "g", t0.Add(time.Minute))
	if rs := ruleStatus(m, "dup"); rs.Health != HealthOK {
		t.Errorf("dup after the fix: %+v", rs)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func containsPrefix(ss []string, p string) bool {
	for _, x := range ss {
		if strings.HasPrefix(x, p) {
			return true
		}
	}
	return false
}

func ruleStatus(m *Manager, name string) RuleStatus {
	for _, g := range m.Groups() {
		for _, r := range g.Rules {
			if r.Rule.Name() == name {
				return r
			}
		}
	}
	return RuleStatus{}
}
