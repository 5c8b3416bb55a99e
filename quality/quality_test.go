package quality

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/state"
)

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func ep(rule string, fp int, fired, resolved time.Duration, evals int64) state.Episode {
	e := state.Episode{RuleID: rule, Group: "rules/a.yml;grp", Alertname: rule, ID: model.Fingerprint(fp),
		FiredAt: t0.Add(fired), Evaluations: evals}
	if resolved > 0 {
		e.ResolvedAt = t0.Add(resolved)
	}
	return e
}

func TestReport(t *testing.T) {
	rules := []RuleInfo{
		{ID: "noisy", Group: "rules/a.yml;grp", GroupName: "grp", File: "rules/a.yml", Alertname: "Noisy"},
		{ID: "calm", Group: "rules/a.yml;grp", GroupName: "grp", File: "rules/a.yml", Alertname: "Calm"},
		{ID: "never", Group: "rules/b.yml;other", GroupName: "other", File: "rules/b.yml", Alertname: "Never"},
		{ID: "old", Group: "rules/b.yml;other", GroupName: "other", File: "rules/b.yml", Alertname: "Old"},
	}
	var eps []state.Episode
	for i := range 4 {
		e := ep("noisy", i%2, time.Duration(i)*time.Hour, time.Duration(i)*time.Hour+2*time.Minute, 2)
		e.Notifications = 2
		eps = append(eps, e)
	}
	eps[1].Flapping = true
	eps[2].AckedAt, eps[2].AckedBy = eps[2].FiredAt.Add(10*time.Minute), "alice"
	eps[3].Evaluations = -1 // unknown: never a flap
	calm := ep("calm", 7, 30*time.Minute, 0, 0)
	calm.Notifications = 1
	eps = append(eps, calm)
	eps = append(eps, ep("removed", 9, 10*time.Minute, 20*time.Minute, 10))
	eps = append(eps, ep("noisy", 5, -time.Hour, time.Minute, 1)) // before the period

	last := map[string]time.Time{"noisy": t0.Add(3 * time.Hour), "calm": t0.Add(30 * time.Minute), "old": t0.Add(-40 * 24 * time.Hour)}
	r := NewReport(eps, rules, last, ReportOptions{Since: t0, Until: t0.Add(5 * time.Hour)})
	if r.Episodes != 6 || r.FlapEvaluations != 3 || len(r.Rules) != 3 {
		t.Fatalf("report: %+v", r)
	}
	n := r.Rules[0]
	if n.RuleID != "noisy" || n.Notifications != 8 || n.Episodes != 4 || n.Alerts != 2 || n.Resolved != 4 || n.Flaps != 3 ||
		n.FlappingEpisodes != 1 || n.Acknowledged != 1 || *n.MedianTimeToAcknowledge != 600 || n.FiringSeconds != 480 ||
		*n.MedianDuration != 120 || !n.LastFiredAt.Equal(t0.Add(3*time.Hour)) || n.Group != "grp" || n.File != "rules/a.yml" {
		t.Errorf("noisy: %+v", n)
	}
	c := r.Rules[1]
	if c.RuleID != "calm" || c.Resolved != 0 || c.MedianDuration != nil || c.FiringSeconds != 4.5*3600 {
		t.Errorf("calm (open): %+v", c)
	}
	if rm := r.Rules[2]; rm.RuleID != "removed" || rm.Group != "grp" || rm.File != "rules/a.yml" || rm.Alertname != "removed" || rm.Flaps != 0 {
		t.Errorf("a removed rule: %+v", rm)
	}
	if len(r.Quiet) != 2 || r.Quiet[0].RuleID != "never" || r.Quiet[0].LastFiredAt != nil ||
		r.Quiet[1].RuleID != "old" || !r.Quiet[1].LastFiredAt.Equal(last["old"]) {
		t.Errorf("quiet: %+v", r.Quiet)
	}
	r = NewReport(eps, rules, last, ReportOptions{Since: t0, Until: t0.Add(5 * time.Hour), Top: 1, FlapEvaluations: 1})
	if len(r.Rules) != 1 || r.Rules[0].Flaps != 0 {
		t.Errorf("top 1, flaps within 1 evaluation: %+v", r.Rules)
	}
	if r := NewReport(nil, nil, nil, ReportOptions{Until: t0}); r.Rules == nil || r.Quiet == nil {
		t.Error("empty report has nil lists (they must encode as [])")
	}
}

func TestRecorder(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := New(reg)
	r.SetRules([]Rule{{ID: "a", Group: "f;g", Alertname: "A"}, {ID: "b", Group: "f;g", Alertname: "B"}})
	r.Fired("a", t0)
	r.Fired("a", t0.Add(-time.Hour)) // older: the gauge keeps the latest
	r.Resolved("a", 2)
	r.Resolved("a", 9)
	r.Resolved("a", -1)
	r.BeganFlapping("a")
	r.Notified("a", 3)
	r.Acknowledged("b", 90*time.Second)
	r.Fired("pushed", t0) // unknown: ignored
	r.SeedLastFired(map[string]time.Time{"b": t0.Add(-time.Minute), "gone": t0})
	want := `
# HELP alerter_rule_episodes_total Firing episodes of the rule's alerts (each time one of its alerts fired).
# TYPE alerter_rule_episodes_total counter
alerter_rule_episodes_total{alertname="A",rule_group="f;g"} 2
alerter_rule_episodes_total{alertname="B",rule_group="f;g"} 0
# HELP alerter_rule_flaps_total Firing episodes that resolved within alert_quality.flap_evaluations evaluations of firing, as alerter replay counts flaps.
# TYPE alerter_rule_flaps_total counter
alerter_rule_flaps_total{alertname="A",rule_group="f;g"} 1
alerter_rule_flaps_total{alertname="B",rule_group="f;g"} 0
# HELP alerter_flap_episodes_total Times one of the rule's alerts began flapping (flap detection), after which its receivers were told once and then held.
# TYPE alerter_flap_episodes_total counter
alerter_flap_episodes_total{alertname="A",rule_group="f;g"} 1
alerter_flap_episodes_total{alertname="B",rule_group="f;g"} 0
# HELP alerter_rule_notifications_total Notifications queued that carried the rule's alerts, one per integration.
# TYPE alerter_rule_notifications_total counter
alerter_rule_notifications_total{alertname="A",rule_group="f;g"} 3
alerter_rule_notifications_total{alertname="B",rule_group="f;g"} 0
# HELP alerter_rule_last_fired_timestamp_seconds When one of the rule's alerts last fired, as far as the stored episode history goes back (alert_quality.retention); 0 when none did.
# TYPE alerter_rule_last_fired_timestamp_seconds gauge
alerter_rule_last_fired_timestamp_seconds{alertname="A",rule_group="f;g"} 1.780272e+09
alerter_rule_last_fired_timestamp_seconds{alertname="B",rule_group="f;g"} 1.78027194e+09
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "alerter_rule_episodes_total", "alerter_rule_flaps_total",
		"alerter_flap_episodes_total", "alerter_rule_notifications_total", "alerter_rule_last_fired_timestamp_seconds"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(r.ackDelay); n != 2 {
		t.Errorf("time-to-acknowledge series: %d", n)
	}
	// A rule removed by a reload loses its series.
	r.SetRules([]Rule{{ID: "b", Group: "f;g", Alertname: "B"}})
	if n := testutil.CollectAndCount(r.episodes); n != 1 {
		t.Errorf("episode series after the reload: %d, want 1", n)
	}
	var nilRecorder *Recorder
	nilRecorder.Fired("a", t0)
	nilRecorder.SetRules(nil)
}
