package episode

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

func ev(kind alert.EventKind, id model.Fingerprint, at, active time.Time) *alert.Event {
	a := alert.Alert{Key: alert.Key{RuleID: "r", ID: id}, Labels: model.LabelSet{"id": model.LabelValue(id.String())}, ActiveAt: active}
	switch kind {
	case alert.EventFiring:
		a.State, a.FiredAt = alert.StateFiring, at
	case alert.EventResolved:
		a.State, a.ResolvedAt = alert.StateInactive, at
	}
	return &alert.Event{Kind: kind, At: at, Alert: a}
}

func TestTrackerCountsEvaluationsFromFiringToResolution(t *testing.T) {
	tr := NewTracker()
	t0 := time.Unix(0, 0)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	var closed []*Episode
	step := func(i int, evs ...*alert.Event) {
		tr.Evaluated()
		for _, e := range evs {
			if c := tr.Observe(e); c != nil {
				closed = append(closed, c)
			}
		}
	}
	step(0)
	step(1, ev(alert.EventFiring, 1, at(1), at(0)), ev(alert.EventFiring, 2, at(1), at(1)))
	step(2, ev(alert.EventResolved, 1, at(2), at(0)))
	step(3)
	step(4)
	step(5, ev(alert.EventResolved, 2, at(5), at(1)))
	step(6, ev(alert.EventResolved, 3, at(6), at(6))) // fired before tracking: ignored
	step(7, ev(alert.EventFiring, 1, at(7), at(7)))
	step(8)
	if len(closed) != 2 {
		t.Fatalf("closed %v", closed)
	}
	a, b := closed[0], closed[1]
	if a.Evaluations != 1 || !a.Flap(DefaultFlapEvaluations) || a.TimeToFire() != time.Minute || a.Duration(at(99)) != time.Minute {
		t.Errorf("first episode %+v", a)
	}
	if b.Evaluations != 4 || b.Flap(3) || !b.Flap(4) || b.Duration(at(99)) != 4*time.Minute {
		t.Errorf("second episode %+v", b)
	}
	open := tr.Open()
	if len(open) != 1 || open[0].Evaluations != 1 || open[0].Flap(3) || open[0].Duration(at(8)) != time.Minute {
		t.Errorf("open %+v", open)
	}
	if tr.Evaluations() != 9 {
		t.Errorf("evaluations %d", tr.Evaluations())
	}
	if IsFlap(1, false, 3) || !IsFlap(3, true, 3) || IsFlap(4, true, 3) {
		t.Error("IsFlap")
	}
}

func TestResume(t *testing.T) {
	tr := NewTracker()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &alert.Alert{Key: alert.Key{RuleID: "r", ID: 1}, State: alert.StateFiring, ActiveAt: t0, FiredAt: t0.Add(time.Minute)}
	tr.Resume(a, 5)
	tr.Evaluated()
	r := *a
	r.State, r.ResolvedAt = alert.StateInactive, t0.Add(10*time.Minute)
	ep := tr.Observe(&alert.Event{Kind: alert.EventResolved, At: r.ResolvedAt, Alert: r})
	if ep == nil || ep.Evaluations != 6 || !ep.FiredAt.Equal(a.FiredAt) {
		t.Fatalf("resumed episode = %+v, want 6 evaluations", ep)
	}
	tr.Resume(a, 0)
	tr.Forget(a.Key)
	if len(tr.Open()) != 0 {
		t.Fatal("Forget kept the episode")
	}
}
