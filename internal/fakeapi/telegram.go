package fakeapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Telegram is the Bot API's sendMessage method
// (core.telegram.org/bots/api#sendmessage), served under
// /bot<Token>/sendMessage to the chats in Chats.
type Telegram struct {
	recorder
	Token string
	Chats []int64
}

// NewTelegram returns a Bot API for the bot token that knows the chats.
func NewTelegram(token string, chats ...int64) *Telegram {
	return &Telegram{Token: token, Chats: chats}
}

// TelegramMessage is a sendMessage request as JSON.
type TelegramMessage struct {
	ChatID                json.RawMessage `json:"chat_id"`
	MessageThreadID       int             `json:"message_thread_id,omitempty"`
	Text                  string          `json:"text"`
	ParseMode             string          `json:"parse_mode,omitempty"`
	DisableNotification   bool            `json:"disable_notification,omitempty"`
	DisableWebPagePreview bool            `json:"disable_web_page_preview,omitempty"`
}

// ServeHTTP answers as the Bot API does: {"ok":true,"result":<message>},
// or {"ok":false,"error_code":...,"description":...} with that status:
// 401 for a wrong token, 404 for an unknown method, 400 for a bad chat,
// text or parse mode.
func (t *Telegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.handle(w, r, t.validate)
}

func tgError(code int, description string) Answer {
	return jsonAnswer(code, map[string]any{"ok": false, "error_code": code, "description": description})
}

func (t *Telegram) validate(r *Request) Answer {
	rest, ok := strings.CutPrefix(r.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		r.Problem = "path is not /bot<token>/<method>"
		return tgError(http.StatusNotFound, "Not Found")
	}
	if token != t.Token || t.Token == "" {
		r.Problem = "wrong bot token"
		return tgError(http.StatusUnauthorized, "Unauthorized")
	}
	if method != "sendMessage" {
		r.Problem = "method " + method
		return tgError(http.StatusNotFound, "Not Found")
	}
	if r.Method != http.MethodPost {
		r.Problem = "HTTP method " + r.Method
		return tgError(http.StatusBadRequest, "Bad Request: use POST")
	}
	bad := func(description string) Answer {
		r.Problem = description
		return tgError(http.StatusBadRequest, "Bad Request: "+description)
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		return bad("Content-Type is not application/json")
	}
	var m TelegramMessage
	if err := decodeStrict(r.Body, &m); err != nil {
		return bad("invalid JSON: " + err.Error())
	}
	chat, err := parseChatID(m.ChatID)
	if err != nil {
		return bad(err.Error())
	}
	known := false
	for _, c := range t.Chats {
		known = known || c == chat
	}
	if !known {
		return bad("chat not found")
	}
	if strings.TrimSpace(m.Text) == "" {
		return bad("message text is empty")
	}
	visible := utf8.RuneCountInString(m.Text)
	switch m.ParseMode {
	case "", "Markdown", "MarkdownV2":
	case "HTML":
		n, err := telegramHTML(m.Text)
		if err != nil {
			return bad("can't parse entities: " + err.Error())
		}
		visible = n
	default:
		return bad("unsupported parse_mode")
	}
	if visible > 4096 {
		return bad("message is too long")
	}
	return jsonAnswer(http.StatusOK, map[string]any{"ok": true, "result": map[string]any{
		"message_id": len(t.Requests()) + 1, "date": 1773500966, "chat": map[string]any{"id": chat, "type": "group"}, "text": m.Text}})
}

// parseChatID reads a chat_id: an integer, or its decimal string.
func parseChatID(raw json.RawMessage) (int64, error) {
	if len(raw) == 0 {
		return 0, fmt.Errorf("chat_id is empty")
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("chat_id is not a number or string")
	}
	return strconv.ParseInt(s, 10, 64)
}

// telegramTags are the tags of the Bot API's HTML style.
var telegramTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true, "strike": true,
	"del": true, "span": true, "tg-spoiler": true, "a": true, "code": true, "pre": true,
	"blockquote": true, "tg-emoji": true,
}

// telegramHTML checks text as the Bot API parses HTML: only its tags,
// properly nested; < and > only in tags; & only in an entity (the four
// named ones or a numeric one). It returns the length of the visible
// text, entities counting one character.
func telegramHTML(text string) (int, error) {
	var open []string
	n := 0
	for i := 0; i < len(text); {
		switch c := text[i]; c {
		case '<':
			end := strings.IndexByte(text[i:], '>')
			if end < 0 {
				return 0, fmt.Errorf("unclosed start tag at byte offset %d", i)
			}
			tag := text[i+1 : i+end]
			name, _, _ := strings.Cut(strings.TrimPrefix(tag, "/"), " ")
			if !telegramTags[name] {
				return 0, fmt.Errorf("unsupported start tag %q at byte offset %d", name, i)
			}
			if strings.HasPrefix(tag, "/") {
				if len(open) == 0 || open[len(open)-1] != name {
					return 0, fmt.Errorf("unmatched end tag at byte offset %d", i)
				}
				open = open[:len(open)-1]
			} else {
				open = append(open, name)
			}
			i += end + 1
		case '>':
			return 0, fmt.Errorf("unexpected > at byte offset %d", i)
		case '&':
			end := strings.IndexByte(text[i:], ';')
			ent := ""
			if end > 0 {
				ent = text[i+1 : i+end]
			}
			if !validEntity(ent) {
				return 0, fmt.Errorf("unsupported entity at byte offset %d", i)
			}
			n++
			i += end + 1
		default:
			_, size := utf8.DecodeRuneInString(text[i:])
			n++
			i += size
		}
	}
	if len(open) > 0 {
		return 0, fmt.Errorf("can't find end tag corresponding to start tag %q", open[len(open)-1])
	}
	return n, nil
}

func validEntity(e string) bool {
	switch e {
	case "lt", "gt", "amp", "quot":
		return true
	}
	if num, ok := strings.CutPrefix(e, "#"); ok && num != "" {
		base := 10
		if hex, ok := strings.CutPrefix(num, "x"); ok {
			num, base = hex, 16
		}
		_, err := strconv.ParseUint(num, base, 32)
		return err == nil
	}
	return false
}

// Messages returns the accepted messages, oldest first.
func (t *Telegram) Messages() []TelegramMessage {
	var out []TelegramMessage
	for _, r := range t.Requests() {
		if r.Accepted() {
			var m TelegramMessage
			_ = json.Unmarshal(r.Body, &m)
			out = append(out, m)
		}
	}
	return out
}

// Events lists the accepted messages, "firing" or "resolved" by their
// text.
func (t *Telegram) Events() []Event {
	var out []Event
	for _, m := range t.Messages() {
		first, _, _ := strings.Cut(m.Text, "\n")
		out = append(out, Event{Kind: statusOf(first), Title: first})
	}
	return out
}

// Wait returns when cond holds for the events, or ctx ends.
func (t *Telegram) Wait(ctx context.Context, cond func([]Event) bool) error {
	return t.wait(ctx, func([]Request) bool { return cond(t.Events()) })
}
