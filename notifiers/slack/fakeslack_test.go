package slack

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Secrets of the tests: none may appear in an error or a log line.
const (
	testToken       = "xoxb-1234567890-0987654321-SECRETbotTOKENvalue"
	testWebhookPath = "/services/T00000000/B00000000/SECRETwebhookPATHvalue"
	testChannelID   = "C0123ABCDEF"
	firstTS         = "1700000000.000100"
)

// apiCall is one request as the fake Slack received it: the method, the
// arguments (form values, with blocks and attachments decoded; or the
// webhook's JSON body), without the token.
type apiCall struct {
	Method string         `json:"method"`
	Params map[string]any `json:"params"`
	// TokenIn says how the token came: "form", "header" or "".
	TokenIn     string `json:"-"`
	ContentType string `json:"-"`
	// Problems are what the real Slack would have rejected, or what a
	// careful client must not do.
	Problems []string `json:"-"`
}

// answer is a scripted response.
type answer struct {
	status int
	header map[string]string
	body   string
}

// fakeSlack answers the Web API (POST /api/<method>) and an incoming
// webhook (POST testWebhookPath) the way Slack does, and records every
// call with what Slack would have objected to.
type fakeSlack struct {
	*httptest.Server
	t *testing.T

	mu       sync.Mutex
	calls    []apiCall
	messages map[string]bool // "channel/ts" of messages: true if it exists, false if deleted
	next     int
	// script, when set, may answer a call instead of the fake; nil
	// means no.
	script func(method string, n int) *answer
}

func newFakeSlack(t *testing.T) *fakeSlack {
	t.Helper()
	f := &fakeSlack{t: t, messages: map[string]bool{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// seed makes a message exist, as if posted earlier.
func (f *fakeSlack) seed(channel, ts string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages[channel+"/"+ts] = true
}

// forget deletes a message, as a user deleting it in Slack would.
func (f *fakeSlack) forget(channel, ts string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages[channel+"/"+ts] = false // deleted; its ts stays taken
}

func (f *fakeSlack) setScript(s func(method string, n int) *answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = s
}

func (f *fakeSlack) got() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

// reset forgets the calls seen so far.
func (f *fakeSlack) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

// channelID resolves a channel as chat.postMessage does: an ID, or a
// name with or without '#'. Only one channel exists.
func channelID(s string) (string, bool) {
	switch s {
	case testChannelID, "alerts", "#alerts":
		return testChannelID, true
	}
	return "", false
}

// isTS accepts Slack message timestamps ("1700000000.000100").
func isTS(s string) bool {
	sec, frac, ok := strings.Cut(s, ".")
	return ok && len(sec) == 10 && len(frac) == 6 &&
		strings.Trim(sec+frac, "0123456789") == ""
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	call := apiCall{ContentType: r.Header.Get("Content-Type"), Params: map[string]any{}}
	problem := func(format string, args ...any) { call.Problems = append(call.Problems, fmt.Sprintf(format, args...)) }
	defer func() { f.calls = append(f.calls, call) }()

	if r.Method != http.MethodPost {
		problem("method %s", r.Method)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == testWebhookPath {
		call.Method = "webhook"
		f.serveWebhook(w, r, body, &call, problem)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		problem("path %s", r.URL.Path)
		http.NotFound(w, r)
		return
	}
	call.Method = method

	// Arguments: a form (what slack-go sends for chat.*), or JSON with
	// the token in the Authorization header.
	mediaType, _, _ := mime.ParseMediaType(call.ContentType)
	var form url.Values
	switch mediaType {
	case "application/x-www-form-urlencoded":
		var err error
		if form, err = url.ParseQuery(string(body)); err != nil {
			problem("form: %v", err)
			slackError(w, "invalid_form_data")
			return
		}
	case "application/json":
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			problem("json: %v", err)
			slackError(w, "invalid_json")
			return
		}
		form = url.Values{}
		for k, v := range m {
			if s, ok := v.(string); ok {
				form.Set(k, s)
			} else {
				b, _ := json.Marshal(v)
				form.Set(k, string(b))
			}
		}
	default:
		problem("content type %q", call.ContentType)
		slackError(w, "invalid_arguments")
		return
	}

	// Authentication: Bearer header, or token in a form body; never in
	// the query string.
	token := ""
	if h := r.Header.Get("Authorization"); h != "" {
		token, _ = strings.CutPrefix(h, "Bearer ")
		call.TokenIn = "header"
	} else if mediaType == "application/x-www-form-urlencoded" && form.Get("token") != "" {
		token = form.Get("token")
		call.TokenIn = "form"
	}
	if r.URL.Query().Has("token") {
		problem("token in the query string")
	}
	form.Del("token")
	for k := range form {
		call.Params[k] = decodeParam(k, form.Get(k))
	}
	switch {
	case token == "":
		slackError(w, "not_authed")
		return
	case token != testToken:
		slackError(w, "invalid_auth")
		return
	}
	if a := f.scripted(method); a != nil {
		a.write(w)
		return
	}

	kit := newBlockKit()
	if b, ok := call.Params["blocks"]; ok {
		kit.checkBlocks("blocks", b)
	}
	if a, ok := call.Params["attachments"]; ok {
		kit.checkAttachments("attachments", a)
	}
	if ps := kit.done(); len(ps) > 0 {
		call.Problems = append(call.Problems, ps...)
		slackError(w, "invalid_blocks")
		return
	}
	text := form.Get("text")
	if text == "" && form.Get("blocks") == "" && form.Get("attachments") == "" {
		slackError(w, "no_text")
		return
	}

	switch method {
	case "chat.postMessage":
		ch, ok := channelID(form.Get("channel"))
		if !ok {
			slackError(w, "channel_not_found")
			return
		}
		reply := map[string]any{"type": "message", "text": text, "bot_id": "B0FAKE"}
		if parent := form.Get("thread_ts"); parent != "" {
			// Slack posts a reply to a missing parent unthreaded; a
			// client that does that has lost track of its message.
			if !f.messages[ch+"/"+parent] {
				problem("thread_ts %s is no message of %s", parent, ch)
			}
			reply["thread_ts"] = parent
		}
		for _, k := range []string{"ts", "update"} {
			if form.Has(k) {
				problem("chat.postMessage with %q", k)
			}
		}
		var ts string
		for { // message timestamps are never reused
			f.next++
			ts = fmt.Sprintf("1700000000.%06d", f.next*100)
			if _, taken := f.messages[ch+"/"+ts]; !taken {
				break
			}
		}
		f.messages[ch+"/"+ts] = true
		reply["ts"] = ts
		slackOK(w, map[string]any{"channel": ch, "ts": ts, "message": reply})
	case "chat.update":
		ch, ts := form.Get("channel"), form.Get("ts")
		if !strings.HasPrefix(ch, "C") && !strings.HasPrefix(ch, "G") && !strings.HasPrefix(ch, "D") {
			// chat.update takes IDs only, not names.
			slackError(w, "channel_not_found")
			return
		}
		if !isTS(ts) {
			problem("chat.update ts %q", ts)
			slackError(w, "invalid_arguments")
			return
		}
		for _, k := range []string{"thread_ts", "username", "icon_emoji", "icon_url"} {
			if form.Has(k) {
				problem("chat.update does not take %q", k)
			}
		}
		if !f.messages[ch+"/"+ts] {
			slackError(w, "message_not_found")
			return
		}
		slackOK(w, map[string]any{"channel": ch, "ts": ts, "text": text,
			"message": map[string]any{"type": "message", "text": text, "ts": ts, "bot_id": "B0FAKE"}})
	default:
		problem("unexpected method %s", method)
		slackError(w, "unknown_method")
	}
}

// serveWebhook answers like an incoming webhook: 200 "ok", or a status
// with the error code as the body.
func (f *fakeSlack) serveWebhook(w http.ResponseWriter, r *http.Request, body []byte, call *apiCall, problem func(string, ...any)) {
	if a := f.scripted("webhook"); a != nil {
		a.write(w)
		return
	}
	if r.Header.Get("Authorization") != "" {
		problem("webhook request with an Authorization header")
	}
	if mt, _, _ := mime.ParseMediaType(call.ContentType); mt != "application/json" {
		problem("content type %q", call.ContentType)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	if err := json.Unmarshal(body, &call.Params); err != nil {
		problem("json: %v", err)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	kit := newBlockKit()
	if b, ok := call.Params["blocks"]; ok {
		kit.checkBlocks("blocks", b)
	}
	if a, ok := call.Params["attachments"]; ok {
		kit.checkAttachments("attachments", a)
	}
	if ps := kit.done(); len(ps) > 0 {
		call.Problems = append(call.Problems, ps...)
		http.Error(w, "invalid_blocks", http.StatusBadRequest)
		return
	}
	if call.Params["text"] == nil && call.Params["blocks"] == nil {
		http.Error(w, "no_text", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html")
	_, _ = io.WriteString(w, "ok")
}

// scripted returns the script's answer to the n-th call of method.
func (f *fakeSlack) scripted(method string) *answer {
	if f.script == nil {
		return nil
	}
	n := 0
	for _, c := range f.calls {
		if c.Method == method {
			n++
		}
	}
	return f.script(method, n)
}

func (a *answer) write(w http.ResponseWriter) {
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	if a.header["Content-Type"] == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// decodeParam decodes the arguments that are JSON in a form.
func decodeParam(key, value string) any {
	switch key {
	case "blocks", "attachments", "metadata":
		var v any
		if err := json.Unmarshal([]byte(value), &v); err == nil {
			return v
		}
	}
	return value
}

func slackOK(w http.ResponseWriter, fields map[string]any) {
	fields["ok"] = true
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(fields)
}

// slackError answers as the Web API does: HTTP 200 with ok false.
func slackError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": code})
}

// apiError is a scripted Web API error answer.
func apiError(code string) *answer {
	return &answer{status: http.StatusOK, body: fmt.Sprintf(`{"ok":false,"error":%q}`, code)}
}
