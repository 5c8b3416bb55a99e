package slack

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// testGroup is two critical alerts firing and a warning resolved.
func testGroup() (*notifiers.Message, []*alert.Alert) {
	a1 := firing("api-1", "critical", annotations("api-1"))
	a2 := firing("api-2", "critical", nil)
	return groupMessage(nil, a1, a2, resolved(firing("api-3", "warning", nil))), []*alert.Alert{a1, a2}
}

// checkRequest compares what the Actor got with the test group's.
func checkRequest(t *testing.T, got ActionRequest, firing []*alert.Alert) {
	t.Helper()
	var want []model.Fingerprint
	for _, a := range firing {
		want = append(want, a.Fingerprint())
	}
	slices.Sort(want)
	fps := slices.Sorted(slices.Values(got.Fingerprints))
	if !slices.Equal(fps, want) {
		t.Errorf("fingerprints %v, want %v", fps, want)
	}
	wantLabels := model.LabelSet{"alertname": "HighLatency", "job": "api", "severity": "critical"}
	if labels := matcherMap(t, got.Matchers); !labels.Equal(wantLabels) {
		t.Errorf("matchers %s, want %v", got.Matchers, wantLabels)
	}
	if got.User != "alice (U024BE7LH)" || got.Comment != "from Slack, channel #alerts" {
		t.Errorf("user %q, comment %q", got.User, got.Comment)
	}
}

// expectEdited is msg as Slack should show it after a click: colours
// with '#', no attachment IDs, and in the attachment's blocks the
// actions block replaced by the note and the buttons that stay.
func expectEdited(msg map[string]any, note map[string]any, keep []string) map[string]any {
	var atts []any
	for _, a := range msg["attachments"].([]any) {
		a := a.(map[string]any)
		var blocks []any
		for _, b := range a["blocks"].([]any) {
			b := b.(map[string]any)
			if b["block_id"] == note["block_id"] {
				continue
			}
			if b["block_id"] != blockActions {
				blocks = append(blocks, b)
				continue
			}
			blocks = append(blocks, note)
			var els []any
			for _, e := range b["elements"].([]any) {
				if slices.Contains(keep, e.(map[string]any)["action_id"].(string)) {
					els = append(els, e)
				}
			}
			if len(els) > 0 {
				blocks = append(blocks, map[string]any{"type": "actions", "block_id": blockActions, "elements": els})
			}
		}
		atts = append(atts, map[string]any{"color": "#" + a["color"].(string), "fallback": a["fallback"], "blocks": blocks})
	}
	return map[string]any{"replace_original": true, "delete_original": false,
		"text": msg["text"], "blocks": msg["blocks"], "attachments": atts}
}

// normalise makes v comparable with decoded JSON.
func normalise(t *testing.T, v any) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(mustJSON(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func noteBlock(blockID, text string) map[string]any {
	return map[string]any{"type": "context", "block_id": blockID,
		"elements": []any{map[string]any{"type": "mrkdwn", "text": text}}}
}

// TestInteractionAcknowledge: a signed click of Acknowledge acknowledges
// the message's firing alerts and edits the message to say who did,
// keeping the Silence 1h button.
func TestInteractionAcknowledge(t *testing.T) {
	sink := newResponseSink(t)
	actor := &fakeActor{}
	logs := &logBuffer{}
	h := newHandler(t, actor, logs, InteractionOptions{})
	m, firing := testGroup()
	msg := sentMessage(t, m)
	body := clickBody(t, msg, button(t, msg, ActionAcknowledge), sink.url())

	w := serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body))
	if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "0" {
		t.Fatalf("answer %d %q, Content-Length %q", w.Code, w.Body, w.Header().Get("Content-Length"))
	}
	acks, silences := actor.calls()
	if len(acks) != 1 || len(silences) != 0 {
		t.Fatalf("%d acknowledgements, %d silences", len(acks), len(silences))
	}
	checkRequest(t, acks[0], firing)

	posts := sink.got(t)
	if len(posts) != 1 {
		t.Fatalf("%d posts to the response_url", len(posts))
	}
	note := noteBlock(blockAcked, ":white_check_mark: Acknowledged by <@U024BE7LH> at "+slackDate(tNow))
	want := normalise(t, expectEdited(msg, note, []string{ActionSilence1h}))
	if got := normalise(t, posts[0].Body); !reflect.DeepEqual(got, want) {
		t.Errorf("edited message:\n%s\nwant:\n%s", mustJSON(t, got), mustJSON(t, want))
	}
	if !strings.Contains(logs.String(), "acknowledged from Slack") {
		t.Errorf("logs: %s", logs)
	}
	checkNoSecrets(t, nil, logs.String(), interactionSecrets...)
}

// TestInteractionSilence: Silence 1h silences the group's labels for an
// hour and takes both buttons away.
func TestInteractionSilence(t *testing.T) {
	sink := newResponseSink(t)
	actor := &fakeActor{}
	h := newHandler(t, actor, nil, InteractionOptions{})
	m, firing := testGroup()
	msg := sentMessage(t, m)
	body := clickBody(t, msg, button(t, msg, ActionSilence1h), sink.url())

	if w := serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body)); w.Code != http.StatusOK {
		t.Fatalf("answer %d %q", w.Code, w.Body)
	}
	acks, silences := actor.calls()
	if len(acks) != 0 || len(silences) != 1 || actor.durations[0] != time.Hour {
		t.Fatalf("%d acknowledgements, %d silences %v", len(acks), len(silences), actor.durations)
	}
	checkRequest(t, silences[0], firing)
	posts := sink.got(t)
	if len(posts) != 1 {
		t.Fatalf("%d posts to the response_url", len(posts))
	}
	note := noteBlock(blockSilenced, ":no_bell: Silenced for 1h by <@U024BE7LH> until "+
		slackDate(tNow.Add(time.Hour))+" (silence `6a1f3c2e-0b4d-4c8e-9f10-2b3c4d5e6f70`)")
	want := normalise(t, expectEdited(msg, note, nil))
	if got := normalise(t, posts[0].Body); !reflect.DeepEqual(got, want) {
		t.Errorf("edited message:\n%s\nwant:\n%s", mustJSON(t, got), mustJSON(t, want))
	}
}

// TestInteractionAcknowledgeThenSilence clicks Acknowledge, then, in the
// edited message, Silence 1h: both notes stay, in order, and no button.
func TestInteractionAcknowledgeThenSilence(t *testing.T) {
	sink := newResponseSink(t)
	actor := &fakeActor{}
	h := newHandler(t, actor, nil, InteractionOptions{})
	m, _ := testGroup()
	msg := sentMessage(t, m)
	body := clickBody(t, msg, button(t, msg, ActionAcknowledge), sink.url())
	serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body))
	// Slack shows the edited message, and sends it back with the next
	// click as it sends every message.
	edited := sink.got(t)[0].Body
	for _, a := range edited["attachments"].([]any) {
		a := a.(map[string]any)
		a["color"] = strings.TrimPrefix(a["color"].(string), "#")
	}
	body = clickBody(t, edited, button(t, edited, ActionSilence1h), sink.url())
	serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body))

	posts := sink.got(t)
	if len(posts) != 2 {
		t.Fatalf("%d posts", len(posts))
	}
	var ids []string
	for _, b := range allBlocks(posts[1].Body) {
		ids = append(ids, b["block_id"].(string))
	}
	i, j := slices.Index(ids, blockAcked), slices.Index(ids, blockSilenced)
	if i < 0 || j != i+1 || slices.Contains(ids, blockActions) {
		t.Errorf("blocks %v: want %s then %s and no buttons", ids, blockAcked, blockSilenced)
	}
}

// TestInteractionSignatures: only requests signed with the signing
// secret within five minutes of now, either way, are acted on.
func TestInteractionSignatures(t *testing.T) {
	m, _ := testGroup()
	msg := sentMessage(t, m)
	now := time.Now()
	tests := []struct {
		name   string
		header func(body string) http.Header
		body   func(body string) string
		want   int
	}{
		{name: "valid", want: http.StatusOK,
			header: func(b string) http.Header { return sign(testSigningSecret, now, b) }},
		{name: "4 minutes old", want: http.StatusOK,
			header: func(b string) http.Header { return sign(testSigningSecret, now.Add(-4*time.Minute), b) }},
		{name: "wrong secret", want: http.StatusUnauthorized,
			header: func(b string) http.Header { return sign("another-secret", now, b) }},
		{name: "body changed", want: http.StatusUnauthorized,
			header: func(b string) http.Header { return sign(testSigningSecret, now, b) },
			body:   func(b string) string { return strings.Replace(b, "alice", "mallory", 1) }},
		{name: "timestamp changed", want: http.StatusUnauthorized,
			header: func(b string) http.Header {
				h := sign(testSigningSecret, now, b)
				h.Set("X-Slack-Request-Timestamp", sign(testSigningSecret, now.Add(time.Second), b).Get("X-Slack-Request-Timestamp"))
				return h
			}},
		{name: "stale", want: http.StatusUnauthorized,
			header: func(b string) http.Header { return sign(testSigningSecret, now.Add(-10*time.Minute), b) }},
		{name: "future", want: http.StatusUnauthorized,
			header: func(b string) http.Header { return sign(testSigningSecret, now.Add(10*time.Minute), b) }},
		{name: "no headers", want: http.StatusUnauthorized,
			header: func(string) http.Header { return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}} }},
		{name: "no signature", want: http.StatusUnauthorized,
			header: func(b string) http.Header {
				h := sign(testSigningSecret, now, b)
				h.Del("X-Slack-Signature")
				return h
			}},
		{name: "no timestamp", want: http.StatusUnauthorized,
			header: func(b string) http.Header {
				h := sign(testSigningSecret, now, b)
				h.Del("X-Slack-Request-Timestamp")
				return h
			}},
		{name: "other version", want: http.StatusUnauthorized,
			header: func(b string) http.Header {
				h := sign(testSigningSecret, now, b)
				h.Set("X-Slack-Signature", strings.Replace(h.Get("X-Slack-Signature"), "v0=", "v1=", 1))
				return h
			}},
		{name: "not hex", want: http.StatusUnauthorized,
			header: func(b string) http.Header {
				h := sign(testSigningSecret, now, b)
				h.Set("X-Slack-Signature", "v0=zz"+h.Get("X-Slack-Signature")[5:])
				return h
			}},
		{name: "timestamp not a number", want: http.StatusUnauthorized,
			header: func(b string) http.Header {
				h := sign(testSigningSecret, now, b)
				h.Set("X-Slack-Request-Timestamp", "yesterday")
				return h
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newResponseSink(t)
			actor := &fakeActor{}
			logs := &logBuffer{}
			h := newHandler(t, actor, logs, InteractionOptions{})
			body := clickBody(t, msg, button(t, msg, ActionAcknowledge), sink.url())
			header := tt.header(body)
			if tt.body != nil {
				body = tt.body(body)
			}
			w := serve(h, slackRequest(header, body))
			if w.Code != tt.want {
				t.Fatalf("answer %d %q, want %d", w.Code, w.Body, tt.want)
			}
			acks, _ := actor.calls()
			posts := sink.got(t)
			if tt.want == http.StatusOK {
				if len(acks) != 1 || len(posts) != 1 {
					t.Errorf("%d acknowledgements, %d posts; want 1 each", len(acks), len(posts))
				}
				return
			}
			if len(acks) != 0 || len(posts) != 0 {
				t.Errorf("refused request acted on: %d acknowledgements, %d posts", len(acks), len(posts))
			}
			if !strings.Contains(logs.String(), "interaction rejected") {
				t.Errorf("logs: %s", logs)
			}
			checkNoSecrets(t, nil, logs.String()+w.Body.String(), interactionSecrets...)
			if sig := header.Get("X-Slack-Signature"); len(sig) > 8 && strings.Contains(logs.String(), sig[3:]) {
				t.Errorf("signature logged: %s", logs)
			}
		})
	}
}

// interactionSecrets must appear in no log line and no answer.
var interactionSecrets = []string{testSigningSecret, "SECRETresponseTOKEN"}

// TestInteractionHTTP: method, size and payload errors are refused
// without acting.
func TestInteractionHTTP(t *testing.T) {
	m, _ := testGroup()
	msg := sentMessage(t, m)
	click := clickBody(t, msg, button(t, msg, ActionAcknowledge), "https://hooks.slack.invalid/actions/x")
	noUser := strings.Replace(click, "U024BE7LH", "", 1)
	tests := []struct {
		name    string
		request func() *http.Request
		want    int
	}{
		{"GET", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/slack/interactions", nil) },
			http.StatusMethodNotAllowed},
		{"PUT", func() *http.Request {
			r := slackRequest(sign(testSigningSecret, time.Now(), click), click)
			r.Method = http.MethodPut
			return r
		}, http.StatusMethodNotAllowed},
		{"too large", func() *http.Request {
			body := click + strings.Repeat("&x=y", 300)
			return slackRequest(sign(testSigningSecret, time.Now(), body), body)
		}, http.StatusRequestEntityTooLarge},
		{"too large, length unknown", func() *http.Request {
			body := click + strings.Repeat("&x=y", 300)
			r := slackRequest(sign(testSigningSecret, time.Now(), body), body)
			r.ContentLength = -1
			r.Body = io.NopCloser(strings.NewReader(body))
			return r
		}, http.StatusRequestEntityTooLarge},
		{"not a form", func() *http.Request {
			body := "%zz"
			return slackRequest(sign(testSigningSecret, time.Now(), body), body)
		}, http.StatusBadRequest},
		{"no payload", func() *http.Request {
			body := "command=/ack"
			return slackRequest(sign(testSigningSecret, time.Now(), body), body)
		}, http.StatusBadRequest},
		{"payload not JSON", func() *http.Request {
			body := "payload=%7B"
			return slackRequest(sign(testSigningSecret, time.Now(), body), body)
		}, http.StatusBadRequest},
		{"no user", func() *http.Request {
			return slackRequest(sign(testSigningSecret, time.Now(), noUser), noUser)
		}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actor := &fakeActor{}
			transport := &noNetwork{}
			h := newHandler(t, actor, nil, InteractionOptions{
				MaxBody: int64(len(click) + 100), HTTPClient: &http.Client{Transport: transport, Timeout: time.Second}})
			w := serve(h, tt.request())
			if w.Code != tt.want {
				t.Errorf("answer %d %q, want %d", w.Code, w.Body, tt.want)
			}
			if tt.want == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow %q", w.Header().Get("Allow"))
			}
			if acks, silences := actor.calls(); len(acks)+len(silences) > 0 || transport.posts > 0 {
				t.Errorf("acted on: %d acknowledgements, %d silences, %d posts", len(acks), len(silences), transport.posts)
			}
		})
	}
}

// TestInteractionIgnored: interactions that are not clicks of alerter's
// buttons (the Runbook link button sends one too) get 200 and nothing
// else.
func TestInteractionIgnored(t *testing.T) {
	m, _ := testGroup()
	msg := sentMessage(t, m)
	sink := newResponseSink(t)
	runbook := map[string]any{"action_id": "alerter_runbook", "text": map[string]any{"type": "plain_text", "text": "Runbook"}}
	other := strings.Replace(clickBody(t, msg, button(t, msg, ActionAcknowledge), sink.url()),
		"block_actions", "view_submission", 1)
	noActions := strings.Replace(clickBody(t, msg, button(t, msg, ActionAcknowledge), sink.url()),
		"%22actions%22%3A%5B", "%22actions%22%3A%5B%5D%2C%22x%22%3A%5B", 1)
	for name, body := range map[string]string{
		"link button":     clickBody(t, msg, runbook, sink.url()),
		"view submission": other,
		"no actions":      noActions,
	} {
		t.Run(name, func(t *testing.T) {
			actor := &fakeActor{}
			h := newHandler(t, actor, nil, InteractionOptions{})
			if w := serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body)); w.Code != http.StatusOK {
				t.Errorf("answer %d %q", w.Code, w.Body)
			}
			if acks, silences := actor.calls(); len(acks)+len(silences) > 0 {
				t.Errorf("acted on: %d acknowledgements, %d silences", len(acks), len(silences))
			}
			if posts := sink.got(t); len(posts) > 0 {
				t.Errorf("posted %v", posts)
			}
		})
	}
}

// TestInteractionActorFails: when the Actor fails, Slack still gets 200,
// and the user who clicked a note that only they see, the message staying
// as it is.
func TestInteractionActorFails(t *testing.T) {
	m, _ := testGroup()
	msg := sentMessage(t, m)
	for action, want := range map[string]string{
		ActionAcknowledge: ":warning: Could not acknowledge the alerts: state store: database is locked",
		ActionSilence1h:   ":warning: Could not silence the alerts: state store: database is locked",
	} {
		t.Run(action, func(t *testing.T) {
			sink := newResponseSink(t)
			logs := &logBuffer{}
			h := newHandler(t, &fakeActor{ackErr: errActor, silenceErr: errActor}, logs, InteractionOptions{})
			body := clickBody(t, msg, button(t, msg, action), sink.url())
			if w := serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body)); w.Code != http.StatusOK {
				t.Errorf("answer %d %q", w.Code, w.Body)
			}
			posts := sink.got(t)
			if len(posts) != 1 {
				t.Fatalf("%d posts", len(posts))
			}
			wantBody := map[string]any{"response_type": "ephemeral", "replace_original": false,
				"delete_original": false, "text": want}
			if !reflect.DeepEqual(posts[0].Body, wantBody) {
				t.Errorf("posted %v, want %v", posts[0].Body, wantBody)
			}
			if !strings.Contains(logs.String(), "database is locked") {
				t.Errorf("failure not logged: %s", logs)
			}
			checkNoSecrets(t, nil, logs.String(), interactionSecrets...)
		})
	}
}

// TestInteractionBadValue: a button whose value this alerter cannot read
// is not acted on; the user is told.
func TestInteractionBadValue(t *testing.T) {
	m, _ := testGroup()
	msg := sentMessage(t, m)
	tests := []struct{ action, value string }{
		{ActionAcknowledge, "group-key"},
		{ActionAcknowledge, `{"v":2,"m":{"alertname":"HighLatency"}}`},
		{ActionAcknowledge, `{"v":1}`},
		{ActionSilence1h, `{"v":1,"f":["0123456789abcdef"]}`}, // nothing to silence with
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.value, func(t *testing.T) {
			sink := newResponseSink(t)
			actor := &fakeActor{}
			h := newHandler(t, actor, nil, InteractionOptions{})
			b := button(t, msg, tt.action)
			b = map[string]any{"action_id": b["action_id"], "text": b["text"], "value": tt.value}
			body := clickBody(t, msg, b, sink.url())
			if w := serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body)); w.Code != http.StatusOK {
				t.Errorf("answer %d %q", w.Code, w.Body)
			}
			if acks, silences := actor.calls(); len(acks)+len(silences) > 0 {
				t.Errorf("acted on: %d acknowledgements, %d silences", len(acks), len(silences))
			}
			posts := sink.got(t)
			if len(posts) != 1 || posts[0].Body["response_type"] != "ephemeral" || posts[0].Body["replace_original"] != false {
				t.Errorf("posted %v", posts)
			}
		})
	}
}

// TestInteractionResponseURLFails: a response_url that fails is logged,
// without the URL; the click has been carried out and Slack gets 200.
func TestInteractionResponseURLFails(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "expired_url", http.StatusNotFound)
	}))
	defer broken.Close()
	m, _ := testGroup()
	msg := sentMessage(t, m)
	actor := &fakeActor{}
	logs := &logBuffer{}
	h := newHandler(t, actor, logs, InteractionOptions{})
	body := clickBody(t, msg, button(t, msg, ActionAcknowledge), broken.URL+testResponsePath)
	if w := serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body)); w.Code != http.StatusOK {
		t.Errorf("answer %d", w.Code)
	}
	if acks, _ := actor.calls(); len(acks) != 1 {
		t.Errorf("%d acknowledgements", len(acks))
	}
	if !strings.Contains(logs.String(), "reporting to Slack failed") {
		t.Errorf("logs: %s", logs)
	}
	checkNoSecrets(t, nil, logs.String(), interactionSecrets...)
}

// TestInteractionServer runs the handler behind a real HTTP server, as
// Slack reaches it: the 200 arrives, complete, and the message is edited.
func TestInteractionServer(t *testing.T) {
	sink := newResponseSink(t)
	actor := &fakeActor{}
	srv := httptest.NewServer(newHandler(t, actor, nil, InteractionOptions{}))
	defer srv.Close()
	m, _ := testGroup()
	msg := sentMessage(t, m)
	body := clickBody(t, msg, button(t, msg, ActionAcknowledge), sink.url())
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/slack/interactions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = sign(testSigningSecret, time.Now(), body)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(b) != 0 {
		t.Errorf("answer %d %q", resp.StatusCode, b)
	}
	srv.Close() // waits for the handler to finish
	if posts := sink.got(t); len(posts) != 1 || posts[0].Body["replace_original"] != true {
		t.Errorf("posted %v", posts)
	}
}

// TestInteractionLargeMessage: a click in the largest message alerter
// sends fits in DefaultMaxBody.
func TestInteractionLargeMessage(t *testing.T) {
	long := strings.Repeat(`very long "text" <!channel> & more `, 400)
	var alerts []*alert.Alert
	for i := range 25 {
		a := firing(strings.Repeat("i", 30)+string(rune('a'+i)), "critical", model.LabelSet{
			"summary": model.LabelValue(long), "description": model.LabelValue(long),
			"runbook_url": model.LabelValue("https://runbooks.example.com/" + strings.Repeat("x", 2900)),
		})
		a.Labels["pod"] = model.LabelValue(strings.Repeat("p", 2000))
		alerts = append(alerts, a, resolved(firing(strings.Repeat("r", 30)+string(rune('a'+i)), "warning",
			model.LabelSet{"summary": model.LabelValue(long)})))
	}
	msg := sentMessage(t, groupMessage(nil, alerts...))
	sink := newResponseSink(t)
	body := clickBody(t, msg, button(t, msg, ActionAcknowledge), sink.url())
	t.Logf("click body: %d bytes", len(body))
	if len(body) > DefaultMaxBody/2 {
		t.Errorf("click body has %d bytes, too close to DefaultMaxBody %d", len(body), DefaultMaxBody)
	}
	actor := &fakeActor{}
	h := newHandler(t, actor, nil, InteractionOptions{})
	if w := serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body)); w.Code != http.StatusOK {
		t.Errorf("answer %d %q", w.Code, w.Body)
	}
	if acks, _ := actor.calls(); len(acks) != 1 {
		t.Errorf("%d acknowledgements", len(acks))
	}
	if posts := sink.got(t); len(posts) != 1 {
		t.Errorf("%d posts", len(posts))
	}
}

func TestNewInteractionHandler(t *testing.T) {
	_, err := NewInteractionHandler(InteractionOptions{MaxBody: -1})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"signing secret is required", "actor is required", "max body"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	_, err = NewInteractionHandler(InteractionOptions{SigningSecret: testSigningSecret, MaxBody: -1})
	if err == nil || strings.Contains(err.Error(), testSigningSecret) {
		t.Errorf("error %v", err)
	}
}
