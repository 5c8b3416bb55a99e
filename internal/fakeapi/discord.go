package fakeapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Discord is an Execute Webhook endpoint
// (discord.com/developers/docs/resources/webhook#execute-webhook) at
// /api/webhooks/<ID>/<Token>.
type Discord struct {
	recorder
	ID, Token string
}

// NewDiscord returns the webhook with that ID and token.
func NewDiscord(id, token string) *Discord { return &Discord{ID: id, Token: token} }

// DiscordMessage is an Execute Webhook body.
type DiscordMessage struct {
	Content   string         `json:"content,omitempty"`
	Username  string         `json:"username,omitempty"`
	AvatarURL string         `json:"avatar_url,omitempty"`
	Embeds    []DiscordEmbed `json:"embeds,omitempty"`
}

// DiscordEmbed is one embed of a message.
type DiscordEmbed struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	Color       int    `json:"color,omitempty"`
	Timestamp   string `json:"timestamp,omitempty"`
}

// ServeHTTP answers as Discord does: 204 No Content, or an error object
// {"message","code"} with 400 (invalid body), 401 (wrong token) or 404
// (unknown webhook).
func (d *Discord) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.handle(w, r, d.validate)
}

func discordError(status, code int, message string) Answer {
	return jsonAnswer(status, map[string]any{"message": message, "code": code})
}

func (d *Discord) validate(r *Request) Answer {
	rest, ok := strings.CutPrefix(r.Path, "/api/webhooks/")
	id, token, ok2 := strings.Cut(rest, "/")
	switch {
	case !ok || !ok2 || id != d.ID:
		r.Problem = "unknown webhook"
		return discordError(http.StatusNotFound, 10015, "Unknown Webhook")
	case token != d.Token:
		r.Problem = "wrong webhook token"
		return discordError(http.StatusUnauthorized, 50027, "Invalid Webhook Token")
	case r.Method != http.MethodPost:
		r.Problem = "method " + r.Method
		return discordError(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
	bad := func(problem string) Answer {
		r.Problem = problem
		return discordError(http.StatusBadRequest, 50035, "Invalid Form Body: "+problem)
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		return bad("Content-Type is not application/json")
	}
	var m DiscordMessage
	if err := decodeStrict(r.Body, &m); err != nil {
		return bad("invalid JSON: " + err.Error())
	}
	n := utf8.RuneCountInString
	if strings.TrimSpace(m.Content) == "" && len(m.Embeds) == 0 {
		r.Problem = "empty message"
		return discordError(http.StatusBadRequest, 50006, "Cannot send an empty message")
	}
	switch {
	case n(m.Content) > 2000:
		return bad("content: Must be 2000 or fewer in length.")
	case len(m.Embeds) > 10:
		return bad("embeds: Must be 10 or fewer in length.")
	case n(m.Username) > 80:
		return bad("username: Must be 80 or fewer in length.")
	case strings.Contains(strings.ToLower(m.Username), "discord") || strings.Contains(strings.ToLower(m.Username), "clyde"):
		return bad("username: Username cannot contain \"discord\" or \"clyde\"")
	}
	if m.AvatarURL != "" {
		if u, err := url.Parse(m.AvatarURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return bad("avatar_url: Not a well formed URL.")
		}
	}
	total := 0
	for _, e := range m.Embeds {
		switch {
		case n(e.Title) > 256:
			return bad("embeds.title: Must be 256 or fewer in length.")
		case n(e.Description) > 4096:
			return bad("embeds.description: Must be 4096 or fewer in length.")
		case e.Color < 0 || e.Color > 0xFFFFFF:
			return bad("embeds.color: out of range")
		}
		total += n(e.Title) + n(e.Description)
	}
	if total > 6000 {
		return bad("embeds: Embed size exceeds maximum size of 6000")
	}
	return Answer{Status: http.StatusNoContent}
}

// Messages returns the accepted messages, oldest first.
func (d *Discord) Messages() []DiscordMessage {
	var out []DiscordMessage
	for _, r := range d.Requests() {
		if r.Accepted() {
			var m DiscordMessage
			_ = json.Unmarshal(r.Body, &m)
			out = append(out, m)
		}
	}
	return out
}

// Events lists the accepted messages, "firing" or "resolved" by their
// first embed's title.
func (d *Discord) Events() []Event {
	var out []Event
	for _, m := range d.Messages() {
		title := m.Content
		if len(m.Embeds) > 0 {
			title = m.Embeds[0].Title
		}
		out = append(out, Event{Kind: statusOf(title), Title: title})
	}
	return out
}

// Wait returns when cond holds for the events, or ctx ends.
func (d *Discord) Wait(ctx context.Context, cond func([]Event) bool) error {
	return d.wait(ctx, func([]Request) bool { return cond(d.Events()) })
}
