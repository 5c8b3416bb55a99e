package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alerter/alerter/notifiers"
)

// Interactions as Slack sends them, to the handler under test.
const (
	testSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5-SECRETsigning"
	testUserID        = "U024BE7LH"
	testResponsePath  = "/actions/T0FAKE/1234567890/SECRETresponseTOKEN"
)

// tNow is the handler's clock, for the times shown in messages. The
// signatures' timestamps use the real clock, since slack-go checks them
// against it.
var tNow = t0.Add(20 * time.Minute)

// sign signs body as Slack does: v0= and the hex HMAC-SHA256 of
// "v0:<timestamp>:<body>" under the signing secret.
func sign(secret string, ts time.Time, body string) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = io.WriteString(mac, "v0:"+stamp+":"+body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return h
}

// slackRequest is a POST of body with header to the interactions path.
func slackRequest(header http.Header, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/slack/interactions", strings.NewReader(body))
	r.Header = header
	return r
}

// fakeActor records what it is asked to do and answers as told.
type fakeActor struct {
	mu         sync.Mutex
	acks       []ActionRequest
	silences   []ActionRequest
	durations  []time.Duration
	ackErr     error
	silenceErr error
}

func (a *fakeActor) Acknowledge(ctx context.Context, r ActionRequest) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	a.acks = append(a.acks, r)
	if a.ackErr != nil {
		return 0, a.ackErr
	}
	return max(len(r.Fingerprints), 1), nil
}

func (a *fakeActor) Silence(ctx context.Context, r ActionRequest, d time.Duration) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	a.silences = append(a.silences, r)
	a.durations = append(a.durations, d)
	if a.silenceErr != nil {
		return "", a.silenceErr
	}
	return "6a1f3c2e-0b4d-4c8e-9f10-2b3c4d5e6f70", nil
}

func (a *fakeActor) calls() (acks, silences []ActionRequest) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.acks), slices.Clone(a.silences)
}

// responsePost is one post to a response_url: its JSON and what Slack
// would have objected to.
type responsePost struct {
	Body     map[string]any
	Problems []string
}

// responseSink plays Slack's response_url endpoint: it accepts JSON
// POSTs of a message (checked as Slack checks messages) and answers "ok".
type responseSink struct {
	*httptest.Server
	mu    sync.Mutex
	posts []responsePost
}

func newResponseSink(t *testing.T) *responseSink {
	t.Helper()
	s := &responseSink{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// url is the sink's response_url.
func (s *responseSink) url() string { return s.URL + testResponsePath }

func (s *responseSink) serve(w http.ResponseWriter, r *http.Request) {
	var p responsePost
	problem := func(format string, args ...any) {
		p.Problems = append(p.Problems, fmt.Sprintf(format, args...))
	}
	defer func() {
		s.mu.Lock()
		s.posts = append(s.posts, p)
		s.mu.Unlock()
	}()
	if r.Method != http.MethodPost {
		problem("method %s", r.Method)
	}
	if r.URL.Path != testResponsePath {
		problem("path %s", r.URL.Path)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		problem("content type %q", r.Header.Get("Content-Type"))
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &p.Body); err != nil {
		problem("json: %v", err)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	for k := range p.Body {
		if !slices.Contains([]string{"text", "blocks", "attachments", "response_type",
			"replace_original", "delete_original", "thread_ts"}, k) {
			problem("unexpected property %q", k)
		}
	}
	if _, ok := p.Body["replace_original"].(bool); !ok {
		problem("replace_original missing")
	}
	if rt, ok := p.Body["response_type"]; ok && rt != "ephemeral" && rt != "in_channel" {
		problem("response_type %v", rt)
	}
	kit := newBlockKit()
	if b, ok := p.Body["blocks"]; ok {
		kit.checkBlocks("blocks", b)
	}
	if a, ok := p.Body["attachments"]; ok {
		kit.checkAttachments("attachments", a)
	}
	p.Problems = append(p.Problems, kit.done()...)
	if p.Body["text"] == nil && p.Body["blocks"] == nil && p.Body["attachments"] == nil {
		problem("no text, blocks or attachments")
	}
	_, _ = io.WriteString(w, "ok")
}

// got returns the posts, failing the test on any Slack would refuse.
func (s *responseSink) got(t *testing.T) []responsePost {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.posts {
		for _, problem := range p.Problems {
			t.Errorf("response %d: %s", i, problem)
		}
	}
	return slices.Clone(s.posts)
}

// sentMessage is a message as the fake Slack received it from the
// notifier, turned into what Slack sends back in an interaction: the
// attachments get an ID and lose the '#' of their colour.
func sentMessage(t *testing.T, m *notifiers.Message) map[string]any {
	t.Helper()
	f := newFakeSlack(t)
	cfg := botConfig(t, f)
	cfg.Color = "#D00000"
	notify(t, newNotifier(t, cfg, nil, NotifierOptions{Actions: ActionButtons}), m)
	calls := checkCalls(t, f)
	if len(calls) != 1 {
		t.Fatalf("calls: %s", methods(calls))
	}
	atts := calls[0].Params["attachments"].([]any)
	for i, a := range atts {
		a := a.(map[string]any)
		a["id"] = i + 1
		a["color"] = strings.TrimPrefix(a["color"].(string), "#")
	}
	return map[string]any{
		"type": "message", "subtype": "bot_message", "bot_id": "B0FAKE", "ts": firstTS,
		"text": param(calls[0], "text"), "blocks": calls[0].Params["blocks"], "attachments": atts,
	}
}

// button finds the button with actionID in msg's actions block.
func button(t *testing.T, msg map[string]any, actionID string) map[string]any {
	t.Helper()
	for _, b := range allBlocks(msg) {
		if b["block_id"] != blockActions {
			continue
		}
		for _, e := range b["elements"].([]any) {
			if e := e.(map[string]any); e["action_id"] == actionID {
				return e
			}
		}
	}
	t.Fatalf("no button %s in %v", actionID, msg)
	return nil
}

// allBlocks are a message's blocks and its attachments' blocks.
func allBlocks(msg map[string]any) []map[string]any {
	var out []map[string]any
	add := func(list any) {
		l, _ := list.([]any)
		for _, b := range l {
			if b, ok := b.(map[string]any); ok {
				out = append(out, b)
			}
		}
	}
	add(msg["blocks"])
	atts, _ := msg["attachments"].([]any)
	for _, a := range atts {
		if a, ok := a.(map[string]any); ok {
			add(a["blocks"])
		}
	}
	return out
}

// clickBody is the form Slack posts when someone clicks button in msg.
func clickBody(t testing.TB, msg, button map[string]any, responseURL string) string {
	t.Helper()
	action := map[string]any{
		"type": "button", "block_id": blockActions, "action_id": button["action_id"],
		"text": button["text"], "value": button["value"], "action_ts": "1773501266.123456",
	}
	if s, ok := button["style"]; ok {
		action["style"] = s
	}
	payload := map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": testUserID, "username": "alice", "name": "alice", "team_id": "T0FAKE"},
		"api_app_id": "A0FAKE",
		"token":      "deprecatedVerificationToken",
		"container": map[string]any{"type": "message", "message_ts": firstTS, "attachment_id": 1,
			"channel_id": testChannelID, "is_ephemeral": false, "is_app_unfurl": false},
		"trigger_id":   "1234.5678.abcdef",
		"team":         map[string]any{"id": "T0FAKE", "domain": "example"},
		"enterprise":   nil,
		"channel":      map[string]any{"id": testChannelID, "name": "alerts"},
		"message":      msg,
		"state":        map[string]any{"values": map[string]any{}},
		"response_url": responseURL,
		"actions":      []any{action},
	}
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"payload": {string(b)}}.Encode()
}

// newHandler builds a handler with actor, logging into logs (may be nil).
func newHandler(t testing.TB, actor Actor, logs *logBuffer, o InteractionOptions) *InteractionHandler {
	t.Helper()
	o.SigningSecret = testSigningSecret
	o.Actor = actor
	o.Now = func() time.Time { return tNow }
	if logs != nil {
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h, err := NewInteractionHandler(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// serve sends a request to h and returns the answer.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// noNetwork answers every request "ok" without leaving the process, for
// fuzzing, where response_urls are arbitrary.
type noNetwork struct {
	mu    sync.Mutex
	posts int
}

func (n *noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	n.mu.Lock()
	n.posts++
	n.mu.Unlock()
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("ok")),
		Header: http.Header{}, Request: r}, nil
}

// errActor is a store failure.
var errActor = errors.New("state store: database is locked")
