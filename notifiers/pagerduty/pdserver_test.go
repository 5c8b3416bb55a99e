package pagerduty

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// pdServer is a local Events API v2 endpoint that validates events as
// PagerDuty documents it (POST /v2/enqueue, JSON, a 32-character
// routing_key, a known event_action, dedup_key of at most 255
// characters, a trigger's summary, source and severity) and answers as
// PagerDuty does: 202 with the dedup_key, or 400 with its error body.
type pdServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	// override, when set, answers instead of the validation (to test
	// statuses); it sees the request after it is recorded.
	override func(w http.ResponseWriter, r *http.Request) bool
}

func newPDServer(t *testing.T) *pdServer {
	t.Helper()
	s := &pdServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *pdServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	s.bodies = append(s.bodies, body)
	override := s.override
	s.mu.Unlock()
	if override != nil && override(w, r) {
		return
	}
	if r.URL.Path == v1Path {
		s.serveV1(w, r, body)
		return
	}
	if r.URL.Path != "/v2/enqueue" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if errs := validateEvent(r.Header.Get("Content-Type"), body); len(errs) > 0 {
		answer(w, http.StatusBadRequest, map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": errs})
		return
	}
	var ev struct {
		DedupKey string `json:"dedup_key"`
	}
	_ = json.Unmarshal(body, &ev)
	answer(w, http.StatusAccepted, map[string]any{"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
}

// v1Path is the Events API v1 endpoint's path.
const v1Path = "/generic/2010-04-15/create_event.json"

// serveV1 validates a v1 event as PagerDuty documents it (a 32-character
// service_key, an event_type, an incident_key for acknowledge and
// resolve, a description of at most 1024 characters for trigger) and
// answers 200 with the incident_key, or 400 with the errors.
func (s *pdServer) serveV1(w http.ResponseWriter, r *http.Request, body []byte) {
	var errs []string
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" || r.Method != http.MethodPost {
		errs = append(errs, "POST application/json")
	}
	var ev struct {
		ServiceKey  string            `json:"service_key"`
		EventType   string            `json:"event_type"`
		IncidentKey string            `json:"incident_key"`
		Description string            `json:"description"`
		Client      string            `json:"client"`
		ClientURL   string            `json:"client_url"`
		Details     map[string]string `json:"details"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		errs = append(errs, "Invalid JSON: "+err.Error())
	}
	if len(ev.ServiceKey) != 32 {
		errs = append(errs, "Service key is the wrong length (should be 32 characters)")
	}
	switch ev.EventType {
	case "trigger":
		if ev.Description == "" || utf8.RuneCountInString(ev.Description) > 1024 {
			errs = append(errs, "Description is missing or longer than 1024 characters")
		}
	case "acknowledge", "resolve":
		if ev.IncidentKey == "" {
			errs = append(errs, "Incident key is required for acknowledge and resolve")
		}
	default:
		errs = append(errs, "Event type is invalid")
	}
	if len(errs) > 0 {
		answer(w, http.StatusBadRequest, map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": errs})
		return
	}
	answer(w, http.StatusOK, map[string]any{"status": "success", "message": "Event processed", "incident_key": ev.IncidentKey})
}

func answer(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// validateEvent lists what PagerDuty would reject in an event.
func validateEvent(contentType string, body []byte) []string {
	var errs []string
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "application/json" {
		errs = append(errs, fmt.Sprintf("Content-Type %q is not application/json", contentType))
	}
	if len(body) > 512*1000 {
		errs = append(errs, "Event object is too large")
	}
	var ev struct {
		RoutingKey  *string         `json:"routing_key"`
		EventAction string          `json:"event_action"`
		DedupKey    *string         `json:"dedup_key"`
		Payload     *map[string]any `json:"payload"`
		Images      []map[string]any
		Links       []map[string]any
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&ev); err != nil {
		return append(errs, "Invalid JSON: "+err.Error())
	}
	if ev.RoutingKey == nil || len(*ev.RoutingKey) != 32 {
		errs = append(errs, "Length of 'routing_key' is incorrect (should be 32 characters)")
	}
	switch ev.EventAction {
	case "trigger", "acknowledge", "resolve":
	default:
		errs = append(errs, "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
	}
	if ev.DedupKey != nil && utf8.RuneCountInString(*ev.DedupKey) > 255 {
		errs = append(errs, "'dedup_key' cannot be more than 255 characters")
	}
	if ev.EventAction != "trigger" {
		if ev.DedupKey == nil || *ev.DedupKey == "" {
			errs = append(errs, "'dedup_key' is required for acknowledge and resolve events")
		}
		return errs
	}
	if ev.Payload == nil {
		return append(errs, "'payload' is missing or blank")
	}
	p := *ev.Payload
	str := func(k string) (string, bool) {
		s, ok := p[k].(string)
		return s, ok
	}
	if s, ok := str("summary"); !ok || s == "" {
		errs = append(errs, "'payload.summary' is missing or blank")
	} else if utf8.RuneCountInString(s) > 1024 {
		errs = append(errs, "'payload.summary' cannot be more than 1024 characters")
	}
	if s, ok := str("source"); !ok || s == "" {
		errs = append(errs, "'payload.source' is missing or blank")
	}
	switch s, _ := str("severity"); s {
	case "critical", "error", "warning", "info":
	default:
		errs = append(errs, "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")
	}
	if v, ok := p["timestamp"]; ok {
		if s, _ := v.(string); s == "" || !parsesAsTime(s) {
			errs = append(errs, "'payload.timestamp' is not a valid ISO 8601 timestamp")
		}
	}
	if v, ok := p["custom_details"]; ok {
		if _, isObject := v.(map[string]any); !isObject {
			errs = append(errs, "'payload.custom_details' must be an object")
		}
	}
	for _, im := range ev.Images {
		if s, _ := im["src"].(string); s == "" {
			errs = append(errs, "'images.src' is missing or blank")
		}
	}
	for _, l := range ev.Links {
		if s, _ := l["href"].(string); s == "" {
			errs = append(errs, "'links.href' is missing or blank")
		}
	}
	return errs
}

func parsesAsTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func (s *pdServer) received() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

func (s *pdServer) setOverride(f func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.override = f
	s.mu.Unlock()
}

// TestPDServerRejectsInvalidEvents makes sure the local endpoint is no
// rubber stamp.
func TestPDServerRejectsInvalidEvents(t *testing.T) {
	key := `"routing_key":"` + testKey + `"`
	tests := []struct {
		name, body string
		ok         bool
	}{
		{name: "valid trigger", ok: true, body: `{` + key + `,"event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"}}`},
		{name: "valid resolve", ok: true, body: `{` + key + `,"event_action":"resolve","dedup_key":"k"}`},
		{name: "short key", body: `{"routing_key":"abc","event_action":"resolve","dedup_key":"k"}`},
		{name: "bad action", body: `{` + key + `,"event_action":"close","dedup_key":"k"}`},
		{name: "resolve without dedup_key", body: `{` + key + `,"event_action":"resolve"}`},
		{name: "no payload", body: `{` + key + `,"event_action":"trigger"}`},
		{name: "bad severity", body: `{` + key + `,"event_action":"trigger","payload":{"summary":"s","source":"x","severity":"page"}}`},
		{name: "no source", body: `{` + key + `,"event_action":"trigger","payload":{"summary":"s","severity":"info"}}`},
		{name: "long dedup_key", body: `{` + key + `,"event_action":"resolve","dedup_key":"` + string(bytes.Repeat([]byte("k"), 256)) + `"}`},
		{name: "long summary", body: `{` + key + `,"event_action":"trigger","payload":{"summary":"` + string(bytes.Repeat([]byte("s"), 1025)) + `","source":"x","severity":"info"}}`},
	}
	srv := newPDServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+"/v2/enqueue", "application/json", bytes.NewReader([]byte(tt.body)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.StatusCode == http.StatusAccepted; got != tt.ok {
				b, _ := io.ReadAll(resp.Body)
				t.Errorf("status %d (%s), want ok=%v", resp.StatusCode, b, tt.ok)
			}
		})
	}
	resp, err := http.Post(srv.URL+"/v2/enqueue", "text/plain", bytes.NewReader([]byte(tests[0].body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("text/plain: status %d", resp.StatusCode)
	}
}
