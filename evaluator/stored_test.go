package evaluator

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// TestWithStored: a follower's groups take the stored health and alerts
// of their rules; rules the leader did not report keep their definitions.
func TestWithStored(t *testing.T) {
	m := newTestManager(t, &fakeQuerier{}, openStore(t, t.TempDir()), nil)
	if err := m.Update(t.Context(), mustParse(t, pendingRule)); err != nil {
		t.Fatal(err)
	}
	defs := m.Groups()
	fID := defs[0].Rules[1].Rule.ID
	mk := func(rule string, st alert.State, active time.Time, inst string) *alert.Alert {
		ls := model.LabelSet{"instance": model.LabelValue(inst)}
		return &alert.Alert{Key: alert.Key{RuleID: rule, ID: ls.Fingerprint()}, Labels: ls, State: st, ActiveAt: active}
	}
	alerts := []*alert.Alert{
		mk(fID, alert.StateFiring, t0.Add(time.Minute), "b"),
		mk(fID, alert.StatePending, t0, "a"),
		mk(fID, alert.StateInactive, t0, "c"),
		mk("gone;g/X", alert.StateFiring, t0, "d"),
	}
	status := []state.GroupStatus{{Group: "rules.yml;g", LastEval: t0, EvalDuration: time.Second, Rules: []state.RuleStatus{
		{RuleID: fID, Health: "err", LastError: "boom", LastEval: t0, EvalDuration: time.Millisecond},
	}}}
	got := WithStored(defs, status, alerts)
	g := got[0]
	if !g.LastEval.Equal(t0) || g.EvalDuration != time.Second {
		t.Errorf("group %+v", g)
	}
	p, f := g.Rules[0], g.Rules[1]
	if p.Health != HealthUnknown || len(p.Alerts) != 0 || p.State != alert.StateInactive {
		t.Errorf("rule P %+v", p)
	}
	if f.Health != HealthErr || f.LastError != "boom" || f.EvalDuration != time.Millisecond || f.State != alert.StateFiring {
		t.Errorf("rule F %+v", f)
	}
	if len(f.Alerts) != 2 || f.Alerts[0].Labels["instance"] != "a" || f.Alerts[1].Labels["instance"] != "b" {
		t.Errorf("rule F alerts %+v, want the pending and firing ones by activeAt", f.Alerts)
	}
	if defs[0].Rules[1].Health != HealthUnknown || len(defs[0].Rules[1].Alerts) != 0 {
		t.Errorf("WithStored modified its input: %+v", defs[0].Rules[1])
	}
}
