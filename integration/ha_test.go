package integration

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/webhooksink"
)

// The drills run the real binary, three replicas on one PostgreSQL, a real
// Prometheus and a webhook sink, and count what the sink got.

const haRules = `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Shared
        expr: shared_value > 0.5
      - alert: Muted
        expr: muted_value > 0.5
      - alert: Slow
        expr: slow_value > 0.5
        for: 15s
`

// TestHAFollowersServeAndAcceptWrites: one replica leads and notifies; the
// followers serve the read API from the shared state, report the cluster,
// and accept writes the leader acts on: a silence created on a follower
// mutes on the leader, an acknowledgement made on a follower is told by
// the leader. Followers send nothing.
func TestHAFollowersServeAndAcceptWrites(t *testing.T) {
	t.Parallel()
	e := newHAEnv(t, haRules, defaultNotify, false)
	e.src.Set("shared_value", inst, 1)
	e.src.Set("muted_value", inst, 0)
	e.prom.WaitForSeries(t, "shared_value", 30*time.Second)
	e.start()
	leader := e.waitLeader(nil)
	followers := e.followers(leader)
	la := e.waitAlert(leader, "Shared", "firing")
	e.waitNotified("", "Shared", "firing", 1)

	for _, f := range followers {
		fa := e.waitAlert(f, "Shared", "firing")
		if fa.ActiveAt == nil || la.ActiveAt == nil || !fa.ActiveAt.Equal(*la.ActiveAt) {
			t.Errorf("%s shows activeAt %v, the leader %v", f.name, fa.ActiveAt, la.ActiveAt)
		}
		var rules struct {
			Groups []apiGroup `json:"groups"`
		}
		if err := f.get("/api/v1/rules", &rules); err != nil {
			t.Fatal(err)
		}
		for _, r := range rules.Groups[0].Rules {
			if r.Name == "Shared" && (r.Health != "ok" || r.LastEvaluation.IsZero() || r.State != "firing" || len(r.Alerts) != 1) {
				t.Errorf("%s's /api/v1/rules for Shared: %+v", f.name, r)
			}
		}
		var amAlerts []struct {
			Labels map[string]string `json:"labels"`
		}
		if err := f.get("/api/v2/alerts", &amAlerts); err != nil || len(amAlerts) != 1 || amAlerts[0].Labels["alertname"] != "Shared" {
			t.Errorf("%s's /api/v2/alerts: %+v %v", f.name, amAlerts, err)
		}
		var status struct {
			Cluster struct {
				Name   string `json:"name"`
				Status string `json:"status"`
				Peers  []struct {
					Name    string `json:"name"`
					Address string `json:"address"`
					Leader  bool   `json:"leader"`
				} `json:"peers"`
			} `json:"cluster"`
		}
		waitUntil(t, 30*time.Second, f.name+"'s cluster status", func() bool {
			if err := f.get("/api/v2/status", &status); err != nil {
				return false
			}
			leaders := 0
			for _, p := range status.Cluster.Peers {
				if p.Leader {
					leaders++
				}
			}
			return status.Cluster.Status == "ready" && len(status.Cluster.Peers) == 3 && leaders == 1
		})
		var ri runtimeInfo
		if err := f.get("/api/v1/status/runtimeinfo", &ri); err != nil || ri.Storage != "postgres" || ri.Leader {
			t.Errorf("%s's runtimeinfo %+v %v", f.name, ri, err)
		}
	}
	leaderMetrics := metricsOf(t, leader)
	if !strings.Contains(leaderMetrics, "\nalerter_leader 1\n") || strings.Contains(leaderMetrics, "\nalerter_leader_epoch 0\n") {
		t.Errorf("leader's metrics lack alerter_leader 1 / a leader epoch")
	}
	for _, f := range followers {
		if !strings.Contains(metricsOf(t, f), "\nalerter_leader 0\n") {
			t.Errorf("%s's metrics lack alerter_leader 0", f.name)
		}
	}

	// A silence created on a follower mutes on the leader.
	now := time.Now().UTC()
	code, body := followers[1].post("/api/v2/silences", fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"Muted","isRegex":false,"isEqual":true}],
		"startsAt":%q,"endsAt":%q,"createdBy":"carol","comment":"maintenance"}`, now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)))
	if code != 200 {
		t.Fatalf("creating a silence on a follower: %d %s", code, body)
	}
	var created struct {
		SilenceID string `json:"silenceID"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.SilenceID == "" {
		t.Fatalf("silence answer %s (%v)", body, err)
	}
	var leaderSilence struct {
		ID string `json:"id"`
	}
	waitUntil(t, 30*time.Second, "the leader to know the follower's silence", func() bool {
		return leader.get("/api/v2/silence/"+created.SilenceID, &leaderSilence) == nil
	})
	e.src.Set("muted_value", inst, 1)
	e.waitAlert(leader, "Muted", "firing")
	e.waitEvals(leader, "Muted", 4)
	if n := e.notified("", "Muted", "firing"); n != 0 {
		t.Fatalf("Muted notified %d times despite the follower's silence", n)
	}

	// An acknowledgement made on a follower is told by the leader.
	code, body = followers[0].post("/api/v1/acknowledgements", `{"filter":["alertname=\"Shared\""],"createdBy":"bob","comment":"looking"}`)
	if code != 200 {
		t.Fatalf("acknowledging on a follower: %d %s", code, body)
	}
	waitUntil(t, 30*time.Second, "the leader to tell the follower's acknowledgement", func() bool {
		for _, p := range e.sink.Payloads() {
			if ackedBy(p, "bob") {
				return true
			}
		}
		return false
	})
	for _, f := range followers {
		if n := e.requestsFrom(f); n != 0 {
			t.Errorf("follower %s sent %d webhook requests", f.name, n)
		}
	}
	if n := e.notified("", "Shared", "firing"); n != 2 { // the page, and the acknowledgement
		t.Errorf("Shared told %d times, want 2", n)
	}

	// An alert pushed to a follower (a load balancer may send a push to
	// any replica) is forwarded to the leader, which notifies it once; a
	// follower's answer to a bad push is the leader's 400.
	code, body = followers[0].post("/api/v2/alerts", `[{"labels":{"alertname":"PushedToFollower","instance":"x"},"annotations":{"summary":"s"}}]`)
	if code != 200 {
		t.Fatalf("pushing to a follower: %d %s", code, body)
	}
	e.waitNotified("", "PushedToFollower", "firing", 1)
	if code, body = followers[1].post("/api/v2/alerts", `[{"labels":{}}]`); code != 400 {
		t.Errorf("a bad push to a follower: %d %s, want 400", code, body)
	}
	waitUntil(t, 30*time.Second, "the followers to list the pushed alert", func() bool {
		for _, f := range followers {
			if _, ok := f.alert("PushedToFollower"); !ok {
				return false
			}
		}
		return true
	})
	for _, f := range followers {
		if n := e.requestsFrom(f); n != 0 {
			t.Errorf("follower %s sent %d webhook requests", f.name, n)
		}
	}
	if n := e.notified("", "PushedToFollower", "firing"); n != 1 {
		t.Errorf("PushedToFollower told %d times, want 1", n)
	}
}

// TestHAKillLeaderWhilePending: the leader dies with an alert pending; the
// new leader keeps its activeAt, so it fires when its "for" elapses since
// then, once.
func TestHAKillLeaderWhilePending(t *testing.T) {
	t.Parallel()
	e := newHAEnv(t, haRules, defaultNotify, false)
	e.src.Set("slow_value", inst, 0)
	e.prom.WaitForSeries(t, "slow_value", 30*time.Second)
	e.start()
	leader := e.waitLeader(nil)
	e.src.Set("slow_value", inst, 1)
	// Pending as the store has it (a follower serves the stored state):
	// what the leader merely computed and had not stored yet is lost with
	// it and evaluated again, which is not this drill.
	pending := e.waitAlert(e.followers(leader)[0], "Slow", "pending")
	_ = leader.proc.Kill() // its exit error is "signal: killed"
	killed := time.Now()
	next := e.waitLeader(leader)
	t.Logf("%s took over %v after the kill", next.name, time.Since(killed).Round(time.Millisecond))
	if a, ok := next.alert("Slow"); !ok || a.ActiveAt == nil || !a.ActiveAt.Equal(*pending.ActiveAt) {
		t.Fatalf("after the failover Slow is %+v, want activeAt %v kept", a, pending.ActiveAt)
	}
	fired := e.waitAlert(next, "Slow", "firing")
	if !fired.ActiveAt.Equal(*pending.ActiveAt) {
		t.Fatalf("fired with activeAt %v, want %v", fired.ActiveAt, pending.ActiveAt)
	}
	e.waitNotified("", "Slow", "firing", 1)
	p := lastPayload(e.sink, "Slow")
	if got := p.Alerts[0].StartsAt.Sub(*pending.ActiveAt); got < 15*time.Second {
		t.Errorf("fired %v after it became active, before its 15s", got)
	}
	e.waitEvals(next, "Slow", 3)
	if n := e.notified("", "Slow", "firing"); n != 1 {
		t.Fatalf("Slow notified %d times, want once", n)
	}
}

// TestHAKillLeaderWithNotificationInFlight: the leader dies while the
// receiver holds its request unanswered; the new leader delivers the
// notification, which the receiver gets once.
func TestHAKillLeaderWithNotificationInFlight(t *testing.T) {
	t.Parallel()
	e := newHAEnv(t, haRules, defaultNotify, false)
	e.src.Set("shared_value", inst, 0)
	e.prom.WaitForSeries(t, "shared_value", 30*time.Second)
	e.start()
	leader := e.waitLeader(nil)
	e.sink.Hold(1)
	e.src.Set("shared_value", inst, 1)
	waitUntil(t, 90*time.Second, "the notification in flight", func() bool { return e.sink.Held() == 1 })
	_ = leader.proc.Kill() // its exit error is "signal: killed"
	waitUntil(t, 30*time.Second, "the held request to be abandoned", func() bool { return e.sink.Aborted() == 1 })
	next := e.waitLeader(leader)
	e.waitNotified("", "Shared", "firing", 1)
	e.waitEvals(next, "Shared", 3)
	if n := e.notified("", "Shared", "firing"); n != 1 {
		t.Fatalf("Shared delivered %d times, want once", n)
	}
	if n := e.requestsFrom(next); n != 1 {
		t.Errorf("the new leader made %d requests, want 1", n)
	}
}

// escalationNotify pages the team at once, the pager at level 1 and the
// lead at level 2, 12s into the episode.
const escalationNotify = `route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  escalation: oncall
receivers:
  - name: team
    webhook_configs: [{url: "{{sink}}/team"}]
  - name: pager
    webhook_configs: [{url: "{{sink}}/pager"}]
  - name: lead
    webhook_configs: [{url: "{{sink}}/lead"}]
escalation_policies:
  - name: oncall
    levels:
      - {after: 0s, receivers: [pager]}
      - {after: 12s, receivers: [lead]}
`

// TestHAKillLeaderDuringEscalation: the leader dies between two levels of
// an escalation; the new leader continues it from the stored state: the
// next level comes at its time, and no level is paged again.
func TestHAKillLeaderDuringEscalation(t *testing.T) {
	t.Parallel()
	e := newHAEnv(t, haRules, escalationNotify, false)
	e.src.Set("shared_value", inst, 0)
	e.prom.WaitForSeries(t, "shared_value", 30*time.Second)
	e.start()
	leader := e.waitLeader(nil)
	e.src.Set("shared_value", inst, 1)
	e.waitNotified("team", "Shared", "firing", 1)
	e.waitNotified("pager", "Shared", "firing", 1)
	var reached int
	var start int64
	if err := e.query(`SELECT reached, start FROM escalations`, &reached, &start); err != nil || reached != 1 {
		t.Fatalf("stored escalation: reached %d, %v", reached, err)
	}
	if n := len(e.sink.Payloads()); n != 2 {
		t.Fatalf("%d payloads before the kill, want team and pager", n)
	}
	e.waitRecorded()
	_ = leader.proc.Kill() // its exit error is "signal: killed"
	killed := time.Now()
	next := e.waitLeader(leader)
	e.waitNotified("lead", "Shared", "firing", 1)
	lead := lastPayload(e.sink, "Shared")
	if lead.Receiver != "lead" || lead.Escalation == nil || lead.Escalation.Level != 2 {
		t.Fatalf("the lead's page %+v, want escalation level 2", lead)
	}
	t.Logf("level 2 paged %v after the kill (due 12s into the episode)", lead.ReceivedAt.Sub(killed).Round(time.Millisecond))
	var start2 int64
	if err := e.query(`SELECT reached, start FROM escalations`, &reached, &start2); err != nil || reached != 2 || start2 != start {
		t.Fatalf("stored escalation after the failover: reached %d, start %d (was %d), %v", reached, start2, start, err)
	}
	e.waitEvals(next, "Shared", 4)
	for _, r := range []string{"team", "pager", "lead"} {
		if n := e.notified(r, "Shared", "firing"); n != 1 {
			t.Errorf("%s paged %d times, want once", r, n)
		}
	}
}

// TestHAPausedLeaderIsFenced: the leader is paused (SIGSTOP) longer than
// its lease while it retries a notification the receiver refuses; another
// replica takes over and retries it in turn. Resumed (SIGCONT) while the
// notification is still pending, the old leader sends nothing: its term is
// over by its own clock and the store refuses it. Once the receiver is
// back, the notification arrives once.
func TestHAPausedLeaderIsFenced(t *testing.T) {
	t.Parallel()
	e := newHAEnv(t, haRules, defaultNotify, false)
	e.src.Set("shared_value", inst, 0)
	e.prom.WaitForSeries(t, "shared_value", 30*time.Second)
	e.start()
	leader := e.waitLeader(nil)
	e.sink.Fail(1_000_000, 503)
	e.src.Set("shared_value", inst, 1)
	waitUntil(t, 90*time.Second, "a failed delivery attempt", func() bool { return e.requestsFrom(leader) > 0 })
	if err := leader.proc.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	next := e.waitLeader(leader)
	t.Logf("%s took over %v after the pause", next.name, time.Since(paused).Round(time.Millisecond))
	waitUntil(t, 90*time.Second, "the new leader to retry the notification", func() bool { return e.requestsFrom(next) > 0 })
	before := e.requestsFrom(leader)
	if err := leader.proc.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "the old leader to say it follows", func() bool {
		var ri runtimeInfo
		return leader.get("/api/v1/status/runtimeinfo", &ri) == nil && !ri.Leader
	})
	// The notification is still pending and the receiver still failing:
	// several retry rounds and evaluations pass.
	e.waitEvals(next, "Shared", 5)
	if n := e.requestsFrom(leader) - before; n != 0 {
		t.Fatalf("the resumed old leader sent %d requests", n)
	}
	e.sink.Fail(0, 0)
	e.waitNotified("", "Shared", "firing", 1)
	e.waitEvals(next, "Shared", 3)
	if n := e.requestsFrom(leader) - before; n != 0 {
		t.Fatalf("the resumed old leader sent %d requests", n)
	}
	if n := e.notified("", "Shared", "firing"); n != 1 {
		t.Fatalf("Shared delivered %d times, want once", n)
	}
	if ok, _ := next.leads(); !ok {
		t.Fatal("the new leader lost its lead to the resumed one")
	}
	// What stopped the old leader, for the record.
	for _, line := range strings.Split(leader.proc.Log(), "\n") {
		if strings.Contains(line, "not sending") || strings.Contains(line, "no longer the leader") || strings.Contains(line, "not stored") {
			t.Log(line)
		}
	}
}

// TestHAPostgresOutage: PostgreSQL stops for 30s mid-incident. Nobody
// evaluates or notifies meanwhile; the replicas keep serving what they
// hold. When it is back, the incident continues: no false resolve, no
// duplicate page, and the alert that started during the outage is paged.
func TestHAPostgresOutage(t *testing.T) {
	t.Parallel()
	e := newHAEnv(t, haRules, defaultNotify, true)
	e.src.Set("shared_value", inst, 1)
	e.src.Set("muted_value", inst, 0)
	e.prom.WaitForSeries(t, "shared_value", 30*time.Second)
	e.start()
	e.waitLeader(nil)
	e.waitNotified("", "Shared", "firing", 1)
	e.waitRecorded()

	if err := e.pg.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	// Muted fires during the outage: its notification must come after.
	e.src.Set("muted_value", inst, 1)
	waitUntil(t, 60*time.Second, "every replica to step down", func() bool {
		for _, r := range e.replicas {
			if ok, _ := r.leads(); ok {
				return false
			}
			if !strings.Contains(metricsOf(t, r), "\nalerter_leader 0\n") {
				return false
			}
		}
		return true
	})
	for _, r := range e.replicas {
		if code := httpStatus(r.url("/-/ready")); code != 200 {
			t.Errorf("%s not ready during the outage: %d", r.name, code)
		}
		if _, ok := r.alert("Shared"); !ok {
			t.Errorf("%s does not serve the firing alert it holds during the outage", r.name)
		}
	}
	time.Sleep(time.Until(stopped.Add(30 * time.Second)))
	if err := e.pg.Start(); err != nil {
		t.Fatal(err)
	}
	leader := e.waitLeader(nil)
	e.waitNotified("", "Muted", "firing", 1)
	e.waitEvals(leader, "Shared", 4)
	if n := e.notified("", "Shared", "firing"); n != 1 {
		t.Errorf("Shared paged %d times across the outage, want once", n)
	}
	if n := e.notified("", "Shared", "resolved"); n != 0 {
		t.Errorf("Shared falsely resolved %d times", n)
	}
	if n := e.notified("", "Muted", "firing"); n != 1 {
		t.Errorf("Muted paged %d times, want once", n)
	}
	// And the incident ends normally.
	e.src.Set("shared_value", inst, 0)
	e.waitNotified("", "Shared", "resolved", 1)
}

func metricsOf(t *testing.T, r *haReplica) string {
	t.Helper()
	resp, err := httpGet(r.url("/metrics"))
	if err != nil {
		return ""
	}
	return "\n" + resp
}

func lastPayload(s *webhooksink.Sink, alertname string) webhooksink.Payload {
	var last webhooksink.Payload
	for _, p := range s.Payloads() {
		for _, a := range p.Alerts {
			if a.Labels["alertname"] == alertname {
				last = p
			}
		}
	}
	return last
}
