package integration

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStalledProcessKeepsAcknowledgements: a single alerter (SQLite) that
// is stalled longer than a leadership lease (a frozen VM, SIGSTOP, a
// starved machine) resumes with everything it had: the acknowledgement of
// a firing alert still holds, and nothing is paged again.
func TestStalledProcessKeepsAcknowledgements(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, `groups:
  - name: stall
    interval: 1s
    rules:
      - alert: Stalled
        expr: stall_value > 0
`, "0s", defaultNotify)
	e.src.Set("stall_value", map[string]string{"instance": "a"}, 1)
	e.prom.WaitForSeries(t, "stall_value", 30*time.Second)
	e.start()
	e.waitAlert("Stalled", "firing")
	waitUntil(t, 30*time.Second, "the page", func() bool { return e.notified("Stalled", "firing") == 1 })
	if code, body := e.postJSON("/api/v1/acknowledgements", `{"filter":["alertname=\"Stalled\""],"createdBy":"alice"}`); code != 200 {
		t.Fatalf("ack: %d %s", code, body)
	}
	waitUntil(t, 30*time.Second, "the acknowledgement told", func() bool { return e.notified("Stalled", "firing") == 2 })

	if err := e.proc.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Second) // longer than the default 15s lease
	if err := e.proc.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	e.waitEvals("Stalled", 5)
	var acks []struct {
		Status string `json:"status"`
	}
	if err := e.getJSON("/api/v1/acknowledgements", &acks); err != nil || len(acks) != 1 || acks[0].Status != "active" {
		t.Fatalf("acknowledgements after the stall: %+v %v", acks, err)
	}
	if n := e.notified("Stalled", "firing"); n != 2 {
		t.Errorf("Stalled told %d times, want 2 (the page and the acknowledgement)", n)
	}
	if log := e.proc.Log(); strings.Contains(log, "no longer the leader") {
		t.Errorf("a single alerter gave up its leadership after a stall:\n%s", log)
	}
}
