package slack

import (
	"maps"
	"strings"
	"testing"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// TestWire records what slack-go puts on the wire for chat.postMessage
// and chat.update: a form, the token in the body rather than in an
// Authorization header, blocks and attachments as JSON strings.
func TestWire(t *testing.T) {
	f := newFakeSlack(t)
	cfg := botConfig(t, f)
	cfg.Username, cfg.IconEmoji = "alerter", ":rotating_light:"
	n := newNotifier(t, cfg, nil, NotifierOptions{})
	a := firing("api-1", "critical", annotations("api-1"))
	m := groupMessage(nil, a)
	notify(t, n, m)
	m = groupMessage(m.State, a, firing("api-2", "warning", nil))
	notify(t, n, m)
	calls := checkCalls(t, f)
	if got := methods(calls); got != "chat.postMessage chat.update chat.postMessage" {
		t.Fatalf("calls %q", got)
	}
	for i, c := range calls {
		if c.ContentType != "application/x-www-form-urlencoded" || c.TokenIn != "form" {
			t.Errorf("call %d: content type %q, token in %q", i, c.ContentType, c.TokenIn)
		}
	}
	if _, ok := calls[0].Params["blocks"].([]any); !ok {
		t.Errorf("blocks not JSON: %T", calls[0].Params["blocks"])
	}
	if param(calls[0], "username") != "alerter" || param(calls[0], "icon_emoji") != ":rotating_light:" {
		t.Errorf("identity not sent: %v", calls[0].Params)
	}
	if param(calls[2], "username") != "alerter" {
		t.Errorf("thread reply without the identity: %v", calls[2].Params)
	}
}

// TestUpdateInPlace follows one group through its life: posted, changed
// (edited, change threaded), repeated, resolved, firing again (a new
// message).
func TestUpdateInPlace(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil, NotifierOptions{})
	a1 := firing("api-1", "warning", annotations("api-1"))
	a2 := firing("api-2", "warning", annotations("api-2"))

	type step struct {
		name    string
		msg     func(state map[string]string) *notifiers.Message
		methods string
		reply   string // in the thread reply
		status  string // the state's status after the step
	}
	steps := []step{
		{"first", func(s map[string]string) *notifiers.Message { return groupMessage(s, a1) },
			"chat.postMessage", "", "firing"},
		{"new alert", func(s map[string]string) *notifiers.Message {
			m := groupMessage(s, a1, a2)
			m.Changes = notifiers.Changes{Firing: []*alert.Alert{a2}}
			return m
		}, "chat.update chat.postMessage", ":fire: new: *p99 latency above 500ms on api-2* `instance=api-2`", "firing"},
		{"raised", func(s map[string]string) *notifiers.Message {
			up := a1.Clone()
			up.Labels["severity"] = "critical"
			m := groupMessage(s, up, a2)
			m.Changes = notifiers.Changes{Raised: []*alert.Alert{up}}
			return m
		}, "chat.update chat.postMessage", ":arrow_up: severity raised to *critical*: *p99 latency above 500ms on api-1*", "firing"},
		{"repeat", func(s map[string]string) *notifiers.Message {
			m := groupMessage(s, a1, a2)
			m.Changes = notifiers.Changes{Repeat: true}
			return m
		}, "chat.update chat.postMessage", ":repeat: still firing: 2 alerts", "firing"},
		{"one resolves", func(s map[string]string) *notifiers.Message {
			r2 := resolved(a2)
			m := groupMessage(s, a1, r2)
			m.Changes = notifiers.Changes{Resolved: []*alert.Alert{r2}}
			return m
		}, "chat.update chat.postMessage", ":white_check_mark: resolved: *p99 latency above 500ms on api-2*", "firing"},
		{"all resolve", func(s map[string]string) *notifiers.Message {
			r1 := resolved(a1)
			m := groupMessage(s, r1)
			m.Changes = notifiers.Changes{Resolved: []*alert.Alert{r1}}
			return m
		}, "chat.update chat.postMessage", "*resolved*", "resolved"},
		{"fires again", func(s map[string]string) *notifiers.Message { return groupMessage(s, a1) },
			"chat.postMessage", "", "firing"},
	}
	state := map[string]string{}
	var ts string
	for _, st := range steps {
		f.reset()
		before := maps.Clone(state)
		notify(t, n, st.msg(state))
		calls := checkCalls(t, f)
		if got := methods(calls); got != st.methods {
			t.Fatalf("%s: calls %q, want %q", st.name, got, st.methods)
		}
		if state[StateStatus] != st.status {
			t.Errorf("%s: state %v", st.name, state)
		}
		switch calls[0].Method {
		case "chat.postMessage":
			if param(calls[0], "thread_ts") != "" || state[StateTS] == before[StateTS] || state[StateChannel] != testChannelID {
				t.Errorf("%s: new message %v, state %v", st.name, calls[0].Params, state)
			}
			ts = state[StateTS]
		case "chat.update":
			if param(calls[0], "channel") != testChannelID || param(calls[0], "ts") != ts ||
				state[StateTS] != before[StateTS] || state[StateChannel] != before[StateChannel] {
				t.Errorf("%s: update %v of %s, state %v", st.name, calls[0].Params, ts, state)
			}
			reply := calls[1]
			if param(reply, "thread_ts") != ts || param(reply, "channel") != testChannelID {
				t.Errorf("%s: reply not in the thread of %s: %v", st.name, ts, reply.Params)
			}
			if !strings.Contains(param(reply, "text"), st.reply) {
				t.Errorf("%s: reply %q lacks %q", st.name, param(reply, "text"), st.reply)
			}
			if reply.Params["blocks"] != nil || reply.Params["attachments"] != nil {
				t.Errorf("%s: reply carries the whole message", st.name)
			}
		}
	}
}

// TestUpdateFallback: when the message to edit is gone, a new one is
// posted and remembered; other errors are returned.
func TestUpdateFallback(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *fakeSlack) // makes chat.update fail
		methods   string
		wantErr   string
		wantRetry bool
	}{
		{name: "message deleted", setup: func(f *fakeSlack) { f.forget(testChannelID, firstTS) },
			methods: "chat.update chat.postMessage"},
		{name: "cant_update_message", setup: script("chat.update", apiError("cant_update_message")),
			methods: "chat.update chat.postMessage"},
		{name: "channel_not_found", setup: script("chat.update", apiError("channel_not_found")),
			methods: "chat.update chat.postMessage"},
		{name: "edit_window_closed", setup: script("chat.update", apiError("edit_window_closed")),
			methods: "chat.update chat.postMessage"},
		{name: "internal_error", setup: script("chat.update", apiError("internal_error")),
			methods: "chat.update", wantErr: "internal_error", wantRetry: true},
		{name: "not_in_channel", setup: script("chat.update", apiError("not_in_channel")),
			methods: "chat.update", wantErr: "not_in_channel"},
		{name: "reply fails", setup: script("chat.postMessage", &answer{status: 503}),
			methods: "chat.update chat.postMessage", wantErr: "503", wantRetry: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			f.seed(testChannelID, firstTS)
			tt.setup(f)
			n := newNotifier(t, botConfig(t, f), nil, NotifierOptions{})
			a := firing("api-2", "warning", nil)
			m := groupMessage(posted(), firing("api-1", "warning", nil), a)
			m.Changes = notifiers.Changes{Firing: []*alert.Alert{a}}
			retry, err := n.Notify(t.Context(), m)
			calls := checkCalls(t, f)
			if got := methods(calls); got != tt.methods {
				t.Errorf("calls %q, want %q", got, tt.methods)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Notify: %v", err)
				}
				last := calls[len(calls)-1]
				if param(last, "thread_ts") != "" || param(last, "channel") != "#alerts" {
					t.Errorf("fallback is not a new message: %v", last.Params)
				}
				if m.State[StateTS] == firstTS || m.State[StateTS] == "" || m.State[StateChannel] != testChannelID {
					t.Errorf("state not replaced: %v", m.State)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || retry != tt.wantRetry {
				t.Errorf("retry=%v err=%v, want retry=%v and %q", retry, err, tt.wantRetry, tt.wantErr)
			}
			if m.State[StateTS] != firstTS {
				t.Errorf("state changed: %v", m.State)
			}
		})
	}
}

// script makes the fake answer every call of method with a.
func script(method string, a *answer) func(*fakeSlack) {
	return func(f *fakeSlack) {
		f.setScript(func(m string, _ int) *answer {
			if m == method {
				return a
			}
			return nil
		})
	}
}

// TestNoUpdateInPlace: every message is a new one, state untouched; and
// digests are never edited.
func TestNoUpdateInPlace(t *testing.T) {
	f := newFakeSlack(t)
	cfg := botConfig(t, f)
	off := false
	cfg.UpdateInPlace = &off
	n := newNotifier(t, cfg, nil, NotifierOptions{})
	state := map[string]string{}
	notify(t, n, groupMessage(state, firing("api-1", "warning", nil)))
	notify(t, n, groupMessage(state, firing("api-1", "warning", nil), firing("api-2", "warning", nil)))
	if got := methods(checkCalls(t, f)); got != "chat.postMessage chat.postMessage" {
		t.Errorf("calls %q", got)
	}
	if len(state) != 0 {
		t.Errorf("state %v", state)
	}

	f = newFakeSlack(t)
	n = newNotifier(t, botConfig(t, f), nil, NotifierOptions{})
	d := digest()
	notify(t, n, d)
	notify(t, n, d)
	if got := methods(checkCalls(t, f)); got != "chat.postMessage chat.postMessage" || len(d.State) != 0 {
		t.Errorf("digests: calls %q, state %v", got, d.State)
	}
}
