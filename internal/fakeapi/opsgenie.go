package fakeapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Opsgenie is Opsgenie's Alert API v2
// (docs.opsgenie.com/docs/alert-api): create, close, acknowledge, and the
// message and description updates, with a GenieKey API key.
type Opsgenie struct {
	recorder
	// Key is the API key it accepts.
	Key string
}

// NewOpsgenie returns an Opsgenie accepting key.
func NewOpsgenie(key string) *Opsgenie { return &Opsgenie{Key: key} }

var opsgenieAction = regexp.MustCompile(`^/v2/alerts/([^/]+)/(close|acknowledge|message|description)$`)

// OpsgenieAlert is a create request's body.
type OpsgenieAlert struct {
	Message     string              `json:"message"`
	Alias       string              `json:"alias,omitempty"`
	Description string              `json:"description,omitempty"`
	Responders  []OpsgenieResponder `json:"responders,omitempty"`
	VisibleTo   []OpsgenieResponder `json:"visibleTo,omitempty"`
	Actions     []string            `json:"actions,omitempty"`
	Tags        []string            `json:"tags,omitempty"`
	Details     map[string]string   `json:"details,omitempty"`
	Entity      string              `json:"entity,omitempty"`
	Source      string              `json:"source,omitempty"`
	Priority    string              `json:"priority,omitempty"`
	User        string              `json:"user,omitempty"`
	Note        string              `json:"note,omitempty"`
}

// OpsgenieResponder is a responder of an alert.
type OpsgenieResponder struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Username string `json:"username,omitempty"`
	Type     string `json:"type"`
}

// opsgenieAction is the body of close and acknowledge.
type opsgenieActionBody struct {
	User   string `json:"user,omitempty"`
	Source string `json:"source,omitempty"`
	Note   string `json:"note,omitempty"`
}

// ServeHTTP answers as Opsgenie does: 202 with a request ID for a valid
// request, 401 for a bad key, 422 with the field errors for an invalid
// body, 404 for an unknown path.
func (o *Opsgenie) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.handle(w, r, o.validate)
}

func (o *Opsgenie) validate(r *Request) Answer {
	ok := jsonAnswer(http.StatusAccepted, map[string]any{"result": "Request will be processed", "took": 0.01, "requestId": fmt.Sprintf("req-%d", len(r.Body))})
	if auth := r.Header.Get("Authorization"); auth != "GenieKey "+o.Key || o.Key == "" {
		r.Problem = fmt.Sprintf("Authorization %q is not GenieKey <key>", redactAuth(auth))
		return jsonAnswer(http.StatusUnauthorized, map[string]any{"message": "Could not authenticate", "took": 0.0, "requestId": "r"})
	}
	invalid := func(problem string) Answer {
		r.Problem = problem
		return jsonAnswer(http.StatusUnprocessableEntity, map[string]any{
			"message": "Request body is not processable. Please check the errors.",
			"errors":  map[string]string{"body": problem}, "took": 0.0, "requestId": "r"})
	}
	if r.Path == "/v2/alerts" {
		if r.Method != http.MethodPost {
			r.Problem = "method " + r.Method
			return Answer{Status: http.StatusMethodNotAllowed}
		}
		if !isJSON(r.Header.Get("Content-Type")) {
			return invalid("Content-Type is not application/json")
		}
		var a OpsgenieAlert
		if err := decodeStrict(r.Body, &a); err != nil {
			return invalid("invalid JSON: " + err.Error())
		}
		if p := checkOpsgenieAlert(&a); p != "" {
			return invalid(p)
		}
		return ok
	}
	m := opsgenieAction.FindStringSubmatch(r.Path)
	if m == nil {
		r.Problem = "unknown path"
		return jsonAnswer(http.StatusNotFound, map[string]any{"message": "Not found", "took": 0.0, "requestId": "r"})
	}
	switch it := r.Query.Get("identifierType"); it {
	case "", "id", "alias", "tiny":
	default:
		return invalid("identifierType " + it + " is not id, alias or tiny")
	}
	if utf8.RuneCountInString(m[1]) > 512 {
		return invalid("identifier longer than 512 characters")
	}
	want := http.MethodPost
	if m[2] == "message" || m[2] == "description" {
		want = http.MethodPut
	}
	if r.Method != want {
		r.Problem = "method " + r.Method
		return Answer{Status: http.StatusMethodNotAllowed}
	}
	if len(r.Body) > 0 && !isJSON(r.Header.Get("Content-Type")) {
		return invalid("Content-Type is not application/json")
	}
	switch m[2] {
	case "close", "acknowledge":
		var b opsgenieActionBody
		if len(r.Body) > 0 {
			if err := decodeStrict(r.Body, &b); err != nil {
				return invalid("invalid JSON: " + err.Error())
			}
		}
		if utf8.RuneCountInString(b.Source) > 100 || utf8.RuneCountInString(b.User) > 100 || utf8.RuneCountInString(b.Note) > 25000 {
			return invalid("source, user or note too long")
		}
	case "message":
		var b struct {
			Message string `json:"message"`
		}
		if err := decodeStrict(r.Body, &b); err != nil || b.Message == "" || utf8.RuneCountInString(b.Message) > 130 {
			return invalid("message must be 1 to 130 characters")
		}
	case "description":
		var b struct {
			Description string `json:"description"`
		}
		if err := decodeStrict(r.Body, &b); err != nil || b.Description == "" || utf8.RuneCountInString(b.Description) > 15000 {
			return invalid("description must be 1 to 15000 characters")
		}
	}
	return ok
}

// checkOpsgenieAlert applies the create request's field rules.
func checkOpsgenieAlert(a *OpsgenieAlert) string {
	n := utf8.RuneCountInString
	switch {
	case strings.TrimSpace(a.Message) == "":
		return "Message can not be empty."
	case n(a.Message) > 130:
		return "message is longer than 130 characters"
	case n(a.Alias) > 512:
		return "alias is longer than 512 characters"
	case n(a.Description) > 15000:
		return "description is longer than 15000 characters"
	case n(a.Entity) > 512:
		return "entity is longer than 512 characters"
	case n(a.Source) > 100:
		return "source is longer than 100 characters"
	case n(a.User) > 100:
		return "user is longer than 100 characters"
	case n(a.Note) > 25000:
		return "note is longer than 25000 characters"
	case len(a.Tags) > 20:
		return "more than 20 tags"
	case len(a.Actions) > 10:
		return "more than 10 actions"
	case a.Priority != "" && !slices.Contains([]string{"P1", "P2", "P3", "P4", "P5"}, a.Priority):
		return "priority " + a.Priority + " is not one of P1, P2, P3, P4, P5"
	}
	for _, t := range a.Tags {
		if n(t) > 50 || t == "" {
			return "a tag is empty or longer than 50 characters"
		}
	}
	for _, x := range a.Actions {
		if n(x) > 50 || x == "" {
			return "an action is empty or longer than 50 characters"
		}
	}
	size := 0
	for k, v := range a.Details {
		size += len(k) + len(v)
	}
	if size > 8000 {
		return "details exceed 8000 characters"
	}
	for _, r := range append(slices.Clone(a.Responders), a.VisibleTo...) {
		switch r.Type {
		case "team", "user", "escalation", "schedule":
		default:
			return "responder type " + r.Type + " is not team, user, escalation or schedule"
		}
		if r.ID == "" && r.Name == "" && r.Username == "" {
			return "a responder has none of id, name and username"
		}
	}
	return ""
}

// Alerts returns the create requests accepted, oldest first.
func (o *Opsgenie) Alerts() []OpsgenieAlert {
	var out []OpsgenieAlert
	for _, r := range o.Requests() {
		if r.Accepted() && r.Path == "/v2/alerts" {
			var a OpsgenieAlert
			_ = decodeStrict(r.Body, &a)
			out = append(out, a)
		}
	}
	return out
}

// Events lists the accepted requests: a create is "firing", a close
// "resolved", an acknowledge "acknowledged", the updates "update".
func (o *Opsgenie) Events() []Event {
	var out []Event
	for _, r := range o.Requests() {
		if !r.Accepted() {
			continue
		}
		if r.Path == "/v2/alerts" {
			var a OpsgenieAlert
			_ = decodeStrict(r.Body, &a)
			out = append(out, Event{Kind: "firing", Key: a.Alias, Title: a.Message})
			continue
		}
		m := opsgenieAction.FindStringSubmatch(r.Path)
		kind := map[string]string{"close": "resolved", "acknowledge": "acknowledged"}[m[2]]
		out = append(out, Event{Kind: cmpOr(kind, "update"), Key: m[1]})
	}
	return out
}

// Wait returns when cond holds for the events, or ctx ends.
func (o *Opsgenie) Wait(ctx context.Context, cond func([]Event) bool) error {
	return o.wait(ctx, func([]Request) bool { return cond(o.Events()) })
}

// redactAuth shows the scheme of an Authorization header only.
func redactAuth(v string) string {
	scheme, _, ok := strings.Cut(v, " ")
	if !ok {
		return "<redacted>"
	}
	return scheme + " <redacted>"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
