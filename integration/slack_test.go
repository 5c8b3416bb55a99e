package integration

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	goslack "github.com/slack-go/slack"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/slack"
)

const slackSecret = "e2e-signing-secret-0123456789abcdef"

// responseURL stands for Slack's response_url: it records what alerter
// posts back to update the message.
type responseURL struct {
	mu     sync.Mutex
	bodies []map[string]any
	srv    *httptest.Server
}

func newResponseURL(t *testing.T) *responseURL {
	r := &responseURL{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
			t.Errorf("response_url: %s with Content-Type %q", req.Method, req.Header.Get("Content-Type"))
		}
		var m map[string]any
		if err := json.NewDecoder(req.Body).Decode(&m); err != nil {
			t.Errorf("response_url body: %v", err)
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, m)
		r.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *responseURL) last() (map[string]any, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bodies) == 0 {
		return nil, 0
	}
	return r.bodies[len(r.bodies)-1], len(r.bodies)
}

// click posts a block_actions interaction for one of the buttons alerter
// renders for the firing alert with these labels, signed at ts.
func (e *env) click(action string, labels model.LabelSet, respURL string, ts time.Time, secret string) int {
	e.t.Helper()
	m := &notifiers.Message{GroupLabels: model.LabelSet{"alertname": labels["alertname"]},
		Alerts: []*alert.Alert{{Labels: labels, State: alert.StateFiring}}}
	var value string
	for _, el := range slack.ActionButtons(m) {
		if b := el.(*goslack.ButtonBlockElement); b.ActionID == action {
			value = b.Value
		}
	}
	if value == "" {
		e.t.Fatalf("no %s button", action)
	}
	cb := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": "U0ALICE", "username": "alice", "name": "alice"},
		"channel":      map[string]any{"id": "C0ALERTS", "name": "alerts"},
		"response_url": respURL,
		"trigger_id":   "1.2.3",
		"message": map[string]any{"type": "message", "ts": "1.000001", "text": "alert",
			"blocks": []any{map[string]any{"type": "section", "block_id": "b", "text": map[string]any{"type": "mrkdwn", "text": "alert"}}}},
		"actions": []any{map[string]any{"type": "button", "action_id": action, "block_id": "alerter_actions", "value": value, "action_ts": "1.5"}},
	}
	b, _ := json.Marshal(cb)
	body := "payload=" + url.QueryEscape(string(b))
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = io.WriteString(mac, "v0:"+stamp+":"+body)
	req, _ := http.NewRequest(http.MethodPost, e.apiURL("/slack/interactions"), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSlackButtons runs the binary with a Slack signing secret: forged
// and stale clicks are refused; a signed Acknowledge click acknowledges
// the alert (visible in the API, and told to the receivers once) and
// updates the message; a replayed Acknowledge click makes no second
// acknowledgement; Silence 1h creates one silence, even when the click is
// replayed.
func TestSlackButtons(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "slack-signing-secret")
	if err := os.WriteFile(secretFile, []byte(slackSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The first two lines continue testConfig's web: section.
	e := newEnvWith(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Outage
        expr: test_value > 0.5
`, "300ms", `  slack_interactions:
    signing_secret_file: `+secretFile+`
`+defaultNotify)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitNotified("Outage", "firing", 1)

	var alerts []struct {
		Fingerprint string         `json:"fingerprint"`
		Labels      model.LabelSet `json:"labels"`
	}
	if err := getRaw(e.apiURL("/api/v2/alerts"), &alerts); err != nil || len(alerts) != 1 {
		t.Fatalf("alerts %+v %v", alerts, err)
	}
	labels := alerts[0].Labels
	resp := newResponseURL(t)

	if code := e.click(slack.ActionAcknowledge, labels, resp.srv.URL, time.Now(), "not-the-secret"); code != http.StatusUnauthorized {
		t.Fatalf("forged click: %d", code)
	}
	if code := e.click(slack.ActionAcknowledge, labels, resp.srv.URL, time.Now().Add(-10*time.Minute), slackSecret); code != http.StatusUnauthorized {
		t.Fatalf("stale click: %d", code)
	}
	var acks []struct {
		CreatedBy string `json:"createdBy"`
		Status    string `json:"status"`
	}
	if err := e.getJSON("/api/v1/acknowledgements", &acks); err != nil || len(acks) != 0 {
		t.Fatalf("a refused click acknowledged: %+v %v", acks, err)
	}

	clickedAt := time.Now()
	if code := e.click(slack.ActionAcknowledge, labels, resp.srv.URL, clickedAt, slackSecret); code != http.StatusOK {
		t.Fatalf("signed click: %d", code)
	}
	waitUntil(t, 30*time.Second, "the message updated to say who acknowledged", func() bool {
		m, _ := resp.last()
		b, _ := json.Marshal(m)
		return m != nil && m["replace_original"] == true && strings.Contains(string(b), "Acknowledged by ") && strings.Contains(string(b), "U0ALICE")
	})
	waitUntil(t, 30*time.Second, "the receiver told who acknowledged", func() bool {
		ps := e.sink.Payloads()
		return len(ps) > 0 && ackedBy(ps[len(ps)-1], "alice (U0ALICE)")
	})
	// The same signed request again (a replay within Slack's five minutes,
	// or a double click): it is carried out, and acknowledges nothing new.
	_, updates := resp.last()
	if code := e.click(slack.ActionAcknowledge, labels, resp.srv.URL, clickedAt, slackSecret); code != http.StatusOK {
		t.Fatalf("replayed click: %d", code)
	}
	waitUntil(t, 30*time.Second, "the replayed click answered", func() bool {
		_, n := resp.last()
		return n > updates
	})
	if err := e.getJSON("/api/v1/acknowledgements", &acks); err != nil || len(acks) != 1 ||
		acks[0].CreatedBy != "alice (U0ALICE)" || acks[0].Status != "active" {
		t.Fatalf("acknowledgements after a replayed click: %+v %v", acks, err)
	}
	// Receivers are told of the acknowledgement once: several group
	// intervals and evaluations later, still one message says so.
	e.waitEvals("Outage", 5)
	told := 0
	for _, p := range e.sink.Payloads() {
		if ackedBy(p, "alice (U0ALICE)") {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("receivers told of the acknowledgement %d times, want once", told)
	}

	_, before := resp.last()
	for range 2 { // a double click, or a replay of the signed request
		if code := e.click(slack.ActionSilence1h, labels, resp.srv.URL, time.Now(), slackSecret); code != http.StatusOK {
			t.Fatalf("silence click: %d", code)
		}
	}
	waitUntil(t, 30*time.Second, "the message updated to say who silenced", func() bool {
		_, n := resp.last()
		return n >= before+2
	})
	var sils []struct {
		ID        string `json:"id"`
		CreatedBy string `json:"createdBy"`
		Status    struct {
			State string `json:"state"`
		} `json:"status"`
	}
	if err := getRaw(e.apiURL("/api/v2/silences"), &sils); err != nil || len(sils) != 1 ||
		sils[0].CreatedBy != "alice (U0ALICE)" || sils[0].Status.State != "active" {
		t.Fatalf("silences %+v %v", sils, err)
	}
}

func getRaw(u string, out any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}
