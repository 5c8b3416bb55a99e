package fakeapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// teamsMaxBytes is the size limit of a Teams message, for connectors and
// Workflows alike.
const teamsMaxBytes = 28 * 1024

// Teams is a Microsoft Teams incoming webhook: an Office 365 connector
// taking a legacy MessageCard (V2 false), or a Power Automate Workflows
// webhook taking a message with an Adaptive Card attachment (V2 true).
// Path is the webhook's path, which holds its credentials.
type Teams struct {
	recorder
	Path string
	V2   bool
}

// NewTeams returns a connector (v2 false) or Workflows (v2 true) webhook
// served at path.
func NewTeams(path string, v2 bool) *Teams { return &Teams{Path: path, V2: v2} }

// TeamsMessageCard is a legacy connector card.
type TeamsMessageCard struct {
	Context    string `json:"@context"`
	Type       string `json:"type,omitempty"`
	AtType     string `json:"@type,omitempty"`
	Title      string `json:"title,omitempty"`
	Summary    string `json:"summary,omitempty"`
	Text       string `json:"text,omitempty"`
	ThemeColor string `json:"themeColor,omitempty"`
}

// TeamsWorkflowMessage is what a Workflows webhook takes.
type TeamsWorkflowMessage struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string  `json:"contentType"`
		ContentURL  *string `json:"contentUrl"`
		Content     struct {
			Schema  string           `json:"$schema"`
			Type    string           `json:"type"`
			Version string           `json:"version"`
			Body    []map[string]any `json:"body"`
			MSTeams map[string]any   `json:"msteams,omitempty"`
		} `json:"content"`
	} `json:"attachments"`
}

// ServeHTTP answers as Teams does: a connector answers 200 "1", or 400
// "Summary or Text is required." and 413 for an oversized card; a
// Workflows webhook answers 202 with no body, or 400 with an error
// object.
func (t *Teams) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.handle(w, r, t.validate)
}

func (t *Teams) validate(r *Request) Answer {
	if r.Path != t.Path {
		r.Problem = "unknown webhook path"
		return Answer{Status: http.StatusNotFound}
	}
	if r.Method != http.MethodPost {
		r.Problem = "method " + r.Method
		return Answer{Status: http.StatusMethodNotAllowed}
	}
	bad := func(problem string) Answer {
		r.Problem = problem
		if t.V2 {
			return jsonAnswer(http.StatusBadRequest, map[string]any{"error": map[string]string{"code": "InvalidRequestContent", "message": problem}})
		}
		return Answer{Status: http.StatusBadRequest, Body: problem}
	}
	if len(r.Body) > teamsMaxBytes {
		r.Problem = "message over 28 KB"
		if t.V2 {
			return jsonAnswer(http.StatusRequestEntityTooLarge, map[string]any{"error": map[string]string{"code": "MessageSizeTooBig", "message": "message too big"}})
		}
		return Answer{Status: http.StatusRequestEntityTooLarge, Body: "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413"}
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		return bad("Content-Type is not application/json")
	}
	if t.V2 {
		var m TeamsWorkflowMessage
		if err := decodeStrict(r.Body, &m); err != nil {
			return bad("invalid JSON: " + err.Error())
		}
		if m.Type != "message" || len(m.Attachments) == 0 {
			return bad("type must be message, with attachments")
		}
		for _, a := range m.Attachments {
			c := a.Content
			if a.ContentType != "application/vnd.microsoft.card.adaptive" || c.Type != "AdaptiveCard" || c.Version == "" || len(c.Body) == 0 {
				return bad("an attachment is not an Adaptive Card with a version and a body")
			}
			for _, el := range c.Body {
				if typ, _ := el["type"].(string); typ == "" {
					return bad("a card element has no type")
				}
				if el["type"] == "TextBlock" {
					if _, ok := el["text"].(string); !ok {
						return bad("a TextBlock has no text")
					}
				}
			}
		}
		return Answer{Status: http.StatusAccepted}
	}
	var c TeamsMessageCard
	if err := decodeStrict(r.Body, &c); err != nil {
		return bad("invalid JSON: " + err.Error())
	}
	if c.Type != "MessageCard" && c.AtType != "MessageCard" {
		return bad("type must be MessageCard")
	}
	if strings.TrimSpace(c.Summary) == "" && strings.TrimSpace(c.Text) == "" {
		return bad("Summary or Text is required.")
	}
	return Answer{Status: http.StatusOK, Body: "1"}
}

// Events lists the accepted messages, "firing" or "resolved" by their
// title.
func (t *Teams) Events() []Event {
	var out []Event
	for _, r := range t.Requests() {
		if !r.Accepted() {
			continue
		}
		title := t.title(r.Body)
		out = append(out, Event{Kind: statusOf(title), Title: title})
	}
	return out
}

// title is a message's title: the card's, or the first TextBlock's.
func (t *Teams) title(body []byte) string {
	if !t.V2 {
		var c TeamsMessageCard
		_ = json.Unmarshal(body, &c)
		return c.Title
	}
	var m TeamsWorkflowMessage
	_ = json.Unmarshal(body, &m)
	for _, a := range m.Attachments {
		for _, el := range a.Content.Body {
			if s, ok := el["text"].(string); ok {
				return s
			}
		}
	}
	return ""
}

// Wait returns when cond holds for the events, or ctx ends.
func (t *Teams) Wait(ctx context.Context, cond func([]Event) bool) error {
	return t.wait(ctx, func([]Request) bool { return cond(t.Events()) })
}
