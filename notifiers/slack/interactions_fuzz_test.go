package slack

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/alerter/alerter/matcher"
)

// seedMessage is a message as Slack sends it back in a click: a title,
// and an attachment with the buttons of the test group.
func seedMessage(f *testing.F) (map[string]any, map[string]map[string]any) {
	f.Helper()
	m, _ := testGroup()
	b, err := json.Marshal(ActionButtons(m))
	if err != nil {
		f.Fatal(err)
	}
	var els []any
	if err := json.Unmarshal(b, &els); err != nil {
		f.Fatal(err)
	}
	buttons := map[string]map[string]any{}
	for _, e := range els {
		e := e.(map[string]any)
		buttons[e["action_id"].(string)] = e
	}
	return map[string]any{
		"type": "message", "text": "[FIRING:2] HighLatency", "ts": firstTS,
		"blocks": []any{map[string]any{"type": "header", "block_id": blockTitle,
			"text": map[string]any{"type": "plain_text", "text": "[FIRING:2] HighLatency", "emoji": true}}},
		"attachments": []any{map[string]any{"id": 1, "color": "D00000", "fallback": "[FIRING:2] HighLatency",
			"blocks": []any{map[string]any{"type": "actions", "block_id": blockActions, "elements": els}}}},
	}, buttons
}

// FuzzInteractionPayload sends arbitrary bodies, validly signed, as
// payloads or raw: the handler never panics, answers 200, 400 or 413, and
// calls the Actor only for a well-formed click of alerter's buttons,
// with what the button says.
func FuzzInteractionPayload(f *testing.F) {
	msg, buttons := seedMessage(f)
	for _, b := range buttons {
		form, err := url.ParseQuery(clickBody(f, msg, b, "https://hooks.slack.invalid/actions/T/1/x"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(form.Get("payload"), false)
		f.Add(url.Values{"payload": {form.Get("payload")}}.Encode(), true)
	}
	f.Add(`{"type":"block_actions","user":{"id":"U1"},"actions":[{"block_id":"b","action_id":"alerter_ack","value":"{\"v\":1,\"f\":[\"0123456789abcdef\"]}"}]}`, false)
	f.Add(`{"type":"block_actions","user":{"id":"U1"},"actions":[{"block_id":"b","action_id":"alerter_silence_1h","value":"{\"v\":1,\"m\":{\"a\":\"b\"}}"}],"message":{"blocks":[{"type":"actions","block_id":"alerter_actions","elements":[]}]}}`, false)
	f.Add(`{"type":"view_submission","view":{"id":"V1"}}`, false)
	f.Add(`{"type":"block_actions","actions":[{"action_id":"alerter_ack"}]}`, false)
	f.Add(`payload=%7B%7D&payload=x`, true)
	f.Add(``, true)

	f.Fuzz(func(t *testing.T, payload string, raw bool) {
		body := payload
		if !raw {
			body = url.Values{"payload": {payload}}.Encode()
		}
		actor := &fakeActor{}
		transport := &noNetwork{}
		h := newHandler(t, actor, nil, InteractionOptions{
			HTTPClient: &http.Client{Transport: transport, Timeout: time.Second},
			MaxBody:    64 << 10,
		})
		w := serve(h, slackRequest(sign(testSigningSecret, time.Now(), body), body))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("answer %d %q", w.Code, w.Body)
		}
		acks, silences := actor.calls()
		if len(acks)+len(silences) == 0 {
			return
		}
		if len(acks)+len(silences) > 1 || w.Code != http.StatusOK {
			t.Fatalf("answer %d after %d acknowledgements and %d silences", w.Code, len(acks), len(silences))
		}
		action, value, ok := wellFormedClick(body)
		if !ok {
			t.Fatalf("acted on a body that is no click of alerter's buttons: %q", body)
		}
		req, wantAction := ActionRequest{}, ActionAcknowledge
		if len(acks) == 1 {
			req = acks[0]
		} else {
			req, wantAction = silences[0], ActionSilence1h
		}
		if action != wantAction {
			t.Fatalf("clicked %s, did %s", action, wantAction)
		}
		fps, ms, err := decodeValue(value)
		if err != nil {
			t.Fatalf("acted on value %q: %v", value, err)
		}
		if !slices.Equal(req.Fingerprints, fps) || !slices.EqualFunc(req.Matchers, ms, func(a, b *matcher.Matcher) bool {
			return a.String() == b.String()
		}) {
			t.Fatalf("request %+v, value %q", req, value)
		}
		if action == ActionSilence1h && len(req.Matchers) == 0 {
			t.Fatal("silence without matchers")
		}
		if len(req.Matchers) == 0 && len(req.Fingerprints) == 0 {
			t.Fatal("acknowledgement of nothing")
		}
		if req.User == "" {
			t.Fatal("no user")
		}
	})
}

// wellFormedClick decides on its own whether body is a click of one of
// alerter's buttons, which slack-go decodes as a block action because it
// has a block_id: it returns the first such action and its value.
func wellFormedClick(body string) (action, value string, ok bool) {
	form, err := url.ParseQuery(body)
	if err != nil || form.Get("payload") == "" {
		return "", "", false
	}
	var p struct {
		Type string `json:"type"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Actions []json.RawMessage `json:"actions"`
	}
	if err := json.Unmarshal([]byte(form.Get("payload")), &p); err != nil || p.Type != "block_actions" || p.User.ID == "" {
		return "", "", false
	}
	for _, r := range p.Actions {
		var keys map[string]any
		var a struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		}
		if json.Unmarshal(r, &keys) != nil || json.Unmarshal(r, &a) != nil {
			return "", "", false
		}
		if _, isBlock := keys["block_id"].(string); !isBlock {
			continue
		}
		if a.ActionID == ActionAcknowledge || a.ActionID == ActionSilence1h {
			return a.ActionID, a.Value, true
		}
	}
	return "", "", false
}
