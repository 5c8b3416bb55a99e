package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/webhooksink"
)

// oncallNotify: the team is told at once, the pager is level 1 of the
// policy, the lead level 2 after 3s, repeated every 2s.
const oncallNotify = `route:
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
      - {after: 3s, receivers: [lead]}
    repeat_every: 2s
`

func (e *env) payloads(receiver string) []webhooksink.Payload {
	var out []webhooksink.Payload
	for _, p := range e.sink.Payloads() {
		if p.Receiver == receiver {
			out = append(out, p)
		}
	}
	return out
}

func (e *env) postJSON(path, body string) (int, string) {
	e.t.Helper()
	resp, err := http.Post(e.apiURL(path), "application/json", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func ackedBy(p webhooksink.Payload, who string) bool {
	for _, a := range p.Alerts {
		if a.Status == webhooksink.StatusFiring && (a.Acknowledgement == nil || a.Acknowledgement.By != who) {
			return false
		}
	}
	return len(p.Alerts) > 0
}

// TestEscalationAndAcknowledgement runs the real binary against a real
// Prometheus: the policy pages its levels and repeats the last; an
// acknowledgement through the API tells every engaged receiver who acked,
// stops the repeats, survives a restart, and the resolution reaches all.
func TestEscalationAndAcknowledgement(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Outage
        expr: test_value > 0.5
        labels: {severity: critical}
`, "300ms", oncallNotify)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()

	waitUntil(t, 60*time.Second, "team and pager paged", func() bool {
		return len(e.payloads("team")) > 0 && len(e.payloads("pager")) > 0
	})
	if esc := e.payloads("pager")[0].Escalation; esc == nil || esc.Policy != "oncall" || esc.Level != 1 || esc.Levels != 2 {
		t.Fatalf("pager's payload escalation %+v", esc)
	}
	if esc := e.payloads("team")[0].Escalation; esc != nil {
		t.Fatalf("the route's own receiver got an escalation marker %+v", esc)
	}
	waitUntil(t, 60*time.Second, "lead paged at level 2, then repeated", func() bool {
		ps := e.payloads("lead")
		return len(ps) >= 2 && ps[len(ps)-1].Escalation != nil && ps[len(ps)-1].Escalation.Repeat
	})
	if first := e.payloads("lead")[0]; first.Escalation == nil || first.Escalation.Level != 2 || first.Escalation.Repeat {
		t.Fatalf("lead's first payload escalation %+v", first.Escalation)
	}

	code, body := e.postJSON("/api/v1/acknowledgements", `{"filter":["alertname=\"Outage\""],"createdBy":"alice","comment":"restarting it"}`)
	if code != 200 {
		t.Fatalf("acknowledging: %d %s", code, body)
	}
	var created struct {
		Data struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.Data.Status != "active" {
		t.Fatalf("ack answer %s (%v)", body, err)
	}
	for _, r := range []string{"team", "pager", "lead"} {
		waitUntil(t, 30*time.Second, r+" told who acknowledged", func() bool {
			ps := e.payloads(r)
			return len(ps) > 0 && ackedBy(ps[len(ps)-1], "alice")
		})
	}
	leadSeen := len(e.payloads("lead"))
	// Several repeat periods and evaluations pass: no more pages, and a
	// restart neither forgets the acknowledgement nor re-pages.
	e.waitEvals("Outage", 4)
	e.restart()
	e.waitEvals("Outage", 6)
	if n := len(e.payloads("lead")); n != leadSeen {
		t.Fatalf("lead paged %d more times after the acknowledgement", n-leadSeen)
	}
	var got struct {
		Status string `json:"status"`
	}
	if err := e.getJSON("/api/v1/acknowledgements/"+created.Data.ID, &got); err != nil || got.Status != "active" {
		t.Fatalf("after restart: %+v %v", got, err)
	}

	e.src.Set("test_value", inst, 0)
	for _, r := range []string{"team", "pager", "lead"} {
		waitUntil(t, 60*time.Second, r+" told of the resolution", func() bool {
			ps := e.payloads(r)
			return len(ps) > 0 && ps[len(ps)-1].Status == webhooksink.StatusResolved
		})
	}
	waitUntil(t, 30*time.Second, "acknowledgement ended", func() bool {
		return e.getJSON("/api/v1/acknowledgements/"+created.Data.ID, &got) == nil && got.Status == "ended"
	})
}
