package flap_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/matcher"
)

// flappyRules evaluate at second 0 of every minute; extra goes under the
// rule (its flap_detection, or nothing).
func flappyRules(extra string) string {
	return `groups:
  - name: g
    schedule: "0 * * * * *"
    rules:
      - alert: Flappy
        expr: up == 0
` + extra
}

const flapDetection = `        flap_detection: {cycles: 2, window: 1h, stable_for: 10m}
`

const teamRoute = `
receiver: team
group_by: [alertname]
group_wait: 10s
group_interval: 30s
repeat_interval: 4h
`

// flapsUntil is up on odd minutes before last, and for good from last.
func flapsUntil(last int) func(int) bool {
	return func(m int) bool { return m >= last || m%2 == 1 }
}

// The hold: two cycles are told as usual; the third firing is told once,
// as flapping; nothing more until the alert has been stable for 10m; then
// once, with its state.
var held = []string{
	"t+1m10s firing", "t+2m10s resolved", "t+3m10s firing", "t+4m10s resolved",
	"t+5m10s flapping",
	"t+19m10s stable/firing",
}

func TestFlapHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, flappyRules(flapDetection), teamRoute, flapsUntil(9))
		defer w.stop()
		w.at(6, 30)
		a := w.alert()
		if a == nil || !a.Flapping() || !a.FlappingSince().Equal(w.src.t0.Add(5*time.Minute)) || a.Ongoing() != true {
			t.Fatalf("at 6m30s (resolved, held): %+v", a)
		}
		w.at(40, 0)
		w.expect("team", held...)

		// What the quality figures say: five episodes, three of them
		// while flapping, one flap episode, six notifications.
		eps, err := w.store.LoadEpisodes(context.Background(), time.Time{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		var flapping, notified int
		for _, e := range eps {
			if e.Flapping {
				flapping++
			}
			notified += e.Notifications
		}
		if len(eps) != 5 || flapping != 3 || notified != 6 {
			t.Errorf("episodes: %d, %d flapping, %d notifications; want 5, 3, 6: %+v", len(eps), flapping, notified, eps)
		}
		for name, want := range map[string]float64{
			`alerter_flap_episodes_total{alertname="Flappy",rule_group="` + w.rules.Groups[0].Key() + `"}`:      1,
			`alerter_rule_episodes_total{alertname="Flappy",rule_group="` + w.rules.Groups[0].Key() + `"}`:      5,
			`alerter_rule_notifications_total{alertname="Flappy",rule_group="` + w.rules.Groups[0].Key() + `"}`: 6,
		} {
			if got := gathered(t, w, name); got != want {
				t.Errorf("%s = %v, want %v", name, got, want)
			}
		}
	})
}

// Without flap detection, every transition pages.
func TestNoFlapDetection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, flappyRules(""), teamRoute, flapsUntil(9))
		defer w.stop()
		w.at(40, 0)
		w.expect("team", "t+1m10s firing", "t+2m10s resolved", "t+3m10s firing", "t+4m10s resolved", "t+5m10s firing",
			"t+6m10s resolved", "t+7m10s firing", "t+8m10s resolved", "t+9m10s firing")
	})
}

// Stable while resolved: one resolution, told when it is stable.
func TestFlapStableResolved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, flappyRules(flapDetection), teamRoute, func(m int) bool { return m < 10 && m%2 == 1 })
		defer w.stop()
		w.at(40, 0)
		// Last resolution at 10m: stable at 20m, told at the next tick.
		w.expect("team", "t+1m10s firing", "t+2m10s resolved", "t+3m10s firing", "t+4m10s resolved", "t+5m10s flapping",
			"t+20m10s stable/resolved")
		if a := w.alert(); a != nil {
			t.Errorf("a resolved, stable alert is still listed: %+v", a)
		}
	})
}

// A restart in the middle of the hold changes nothing: the flap history
// is stored with the alert, and the notification log knows what
// receivers were told.
func TestFlapHoldAcrossRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, flappyRules(flapDetection), teamRoute, flapsUntil(9))
		w.at(6, 30)
		w.stop()
		w.at(7, 30)
		w.start()
		defer w.stop()
		if a := w.alert(); a == nil || !a.Flapping() {
			t.Fatalf("after the restart: %+v", a)
		}
		w.at(40, 0)
		w.expect("team", held...)
	})
}

// An acknowledgement given while the alert flaps (resolved at that very
// moment) holds across its fire and resolve transitions and after the
// flap while it fires: no repeat, no second "acknowledged".
func TestAckAcrossFlaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, flappyRules(flapDetection), strings.Replace(teamRoute, "repeat_interval: 4h", "repeat_interval: 3m", 1), flapsUntil(15))
		defer w.stop()
		w.at(6, 20)
		ms, err := matcher.Parse(`{alertname="Flappy"}`)
		if err != nil {
			t.Fatal(err)
		}
		sel := ack.Select(w.mgr.Alerts(), nil, ms)
		if len(sel) != 1 {
			t.Fatalf("Select: %v", sel)
		}
		if _, err := w.acks.Create(context.Background(), ack.Request{By: "alice", Matchers: ms}, sel, time.Now()); err != nil {
			t.Fatal(err)
		}
		w.at(40, 0)
		w.expect("team", "t+1m10s firing", "t+2m10s resolved", "t+3m10s firing", "t+4m10s resolved", "t+5m10s flapping",
			"t+6m20s acked", "t+25m20s stable/firing")
		msgs := w.recs["team"].msgs
		if last := msgs[len(msgs)-1]; !last.AllAcknowledged() {
			t.Errorf("the stable message does not carry the acknowledgement: %+v", last.Acks)
		}
		if _, err := w.acks.GC(context.Background(), w.mgr.Alerts(), time.Now()); err != nil {
			t.Fatal(err)
		}
		if k := w.acks.List()[0]; !k.EndedAt.IsZero() {
			t.Errorf("the acknowledgement ended while the incident goes on: %+v", k)
		}
	})
}

const escalatingRoute = `
receiver: pager
group_by: [alertname]
group_wait: 10s
group_interval: 30s
repeat_interval: 4h
escalation: oncall
`

// Escalation treats the flap as one incident: without flap detection
// every episode starts escalation over and the secondary is never paged;
// with it, the secondary is paged 15 minutes after the flap began.
func TestEscalationAcrossFlaps(t *testing.T) {
	for _, tc := range []struct {
		name      string
		extra     string
		secondary []string
	}{
		// The secondary hears of the alert for the first time: that it
		// flaps.
		{"held", flapDetection, []string{"t+20m0s flapping,level 2"}},
		{"not held", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t, flappyRules(tc.extra), escalatingRoute, func(m int) bool { return m < 24 && m%2 == 1 })
				defer w.stop()
				w.at(25, 30)
				w.expect("secondary", tc.secondary...)
				if tc.secondary == nil {
					return
				}
				escs, err := w.store.LoadEscalations(context.Background())
				if err != nil || len(escs) != 1 || escs[0].Reached != 2 || !escs[0].Start.Equal(w.src.t0.Add(5*time.Minute)) {
					t.Errorf("escalation: %+v, %v", escs, err)
				}
				if n := w.recs["pager"].count(); n != 5 {
					// firing, resolved, firing, resolved, flapping (level 1),
					// and nothing more until the end of this test.
					t.Errorf("pager got %d messages: %v", n, w.recs["pager"].log(w.src.t0))
				}
			})
		})
	}
}
