package fakeapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

// VictorOps is Splunk On-Call's REST endpoint integration
// (help.victorops.com, "REST Endpoint Integration Guide"): POST
// /integrations/generic/20131114/alert/<APIKey>/<routing key>.
type VictorOps struct {
	recorder
	APIKey string
	// RoutingKeys are the routing keys configured; empty accepts any.
	RoutingKeys []string
}

// NewVictorOps returns the endpoint for the API key.
func NewVictorOps(apiKey string, routingKeys ...string) *VictorOps {
	return &VictorOps{APIKey: apiKey, RoutingKeys: routingKeys}
}

const victorOpsPrefix = "/integrations/generic/20131114/alert/"

// ServeHTTP answers as the REST endpoint does: 200
// {"result":"success","entity_id":...}, or {"result":"failure",
// "message":...} with 400 for an invalid body and 404 for an unknown key.
func (v *VictorOps) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.handle(w, r, v.validate)
}

func voFailure(status int, msg string) Answer {
	return jsonAnswer(status, map[string]any{"result": "failure", "message": msg})
}

func (v *VictorOps) validate(r *Request) Answer {
	rest, ok := strings.CutPrefix(r.Path, victorOpsPrefix)
	key, routing, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || key != v.APIKey || v.APIKey == "" || routing == "" || strings.Contains(routing, "/") {
		r.Problem = "unknown API key or malformed path"
		return voFailure(http.StatusNotFound, "Not found")
	}
	if len(v.RoutingKeys) > 0 && !contains(v.RoutingKeys, routing) {
		r.Problem = "unknown routing key " + routing
		return voFailure(http.StatusNotFound, "Unknown routing key")
	}
	if r.Method != http.MethodPost {
		r.Problem = "method " + r.Method
		return voFailure(http.StatusMethodNotAllowed, "Method not allowed")
	}
	bad := func(msg string) Answer {
		r.Problem = msg
		return voFailure(http.StatusBadRequest, msg)
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		return bad("Content-Type is not application/json")
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		return bad("Could not parse JSON: " + err.Error())
	}
	for k, val := range m {
		if _, ok := val.(string); !ok {
			return bad("field " + k + " is not a string")
		}
	}
	mt, _ := m["message_type"].(string)
	switch strings.ToUpper(mt) {
	case "CRITICAL", "WARNING", "INFO", "ACKNOWLEDGEMENT", "RECOVERY":
	case "":
		return bad("Missing fields: message_type")
	default:
		return bad("Invalid message_type: " + mt)
	}
	if sm, _ := m["state_message"].(string); utf8.RuneCountInString(sm) > 20480 {
		return bad("state_message is longer than 20480 characters")
	}
	id, _ := m["entity_id"].(string)
	return jsonAnswer(http.StatusOK, map[string]any{"result": "success", "entity_id": id})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Messages returns the accepted bodies, oldest first.
func (v *VictorOps) Messages() []map[string]string {
	var out []map[string]string
	for _, r := range v.Requests() {
		if r.Accepted() {
			var m map[string]string
			_ = json.Unmarshal(r.Body, &m)
			out = append(out, m)
		}
	}
	return out
}

// Events lists the accepted messages: RECOVERY is "resolved",
// ACKNOWLEDGEMENT "acknowledged", the others "firing".
func (v *VictorOps) Events() []Event {
	var out []Event
	for _, m := range v.Messages() {
		kind := "firing"
		switch strings.ToUpper(m["message_type"]) {
		case "RECOVERY":
			kind = "resolved"
		case "ACKNOWLEDGEMENT":
			kind = "acknowledged"
		}
		out = append(out, Event{Kind: kind, Key: m["entity_id"], Title: m["entity_display_name"]})
	}
	return out
}

// Wait returns when cond holds for the events, or ctx ends.
func (v *VictorOps) Wait(ctx context.Context, cond func([]Event) bool) error {
	return v.wait(ctx, func([]Request) bool { return cond(v.Events()) })
}
