// Package fakeapi has local stand-ins for the services alerter's receiver
// integrations call (Opsgenie, Microsoft Teams, Telegram, Discord,
// VictorOps, Pushover), for tests. Each is an http.Handler that checks a
// request as the real service documents it (method, path, query,
// authentication, content type, required fields, size limits), answers
// as the service does (its success body, its error bodies and statuses,
// Retry-After where it sends one), and records what it received. A test
// can script the next answers to exercise rate limits and outages.
//
// They are stricter than the real services in one way: unknown JSON
// fields are rejected, so a typo in a payload fails a test.
package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// maxBody bounds what a fake reads of a request.
const maxBody = 4 << 20

// Request is one request a fake received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Status is what the fake answered.
	Status int
	// Problem says why the request is invalid ("" when it is valid), even
	// when a scripted answer was sent instead of the validation's.
	Problem string
}

// Accepted reports whether the fake accepted the request (a 2xx answer).
func (r Request) Accepted() bool { return r.Status/100 == 2 }

// Answer is a scripted answer.
type Answer struct {
	Status int
	Header http.Header
	Body   string
}

// Event is what an accepted request meant to the service, for tests that
// only care about the sequence of notifications.
type Event struct {
	// Kind is "firing", "resolved", "acknowledged" or "update".
	Kind string
	// Key identifies the incident where the service has one (Opsgenie's
	// alias, VictorOps's entity_id), "" otherwise.
	Key string
	// Title is the notification's title or first line.
	Title string
}

// recorder is what every fake shares: the requests received, the
// scripted answers, and a channel closed at every change.
type recorder struct {
	mu       sync.Mutex
	requests []Request
	script   []Answer
	changed  chan struct{}
}

func (r *recorder) init() {
	if r.changed == nil {
		r.changed = make(chan struct{})
	}
}

// Script makes the next len(answers) requests get these answers, in
// order, whatever they hold (they are still checked and recorded).
func (r *recorder) Script(answers ...Answer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.script = append(r.script, answers...)
}

// Requests returns every request received, oldest first.
func (r *recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests)
}

// Problems returns why invalid requests were invalid, oldest first.
func (r *recorder) Problems() []string {
	var out []string
	for _, q := range r.Requests() {
		if q.Problem != "" {
			out = append(out, q.Method+" "+q.Path+": "+q.Problem)
		}
	}
	return out
}

// wait returns when cond holds for the requests received, or ctx ends.
func (r *recorder) wait(ctx context.Context, cond func([]Request) bool) error {
	for {
		r.mu.Lock()
		r.init()
		reqs, ch := slices.Clone(r.requests), r.changed
		r.mu.Unlock()
		if cond(reqs) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("fakeapi: condition not met after %d requests: %w", len(reqs), ctx.Err())
		}
	}
}

// handle reads the request, asks validate for the answer, records both,
// and sends the scripted answer if there is one, else validate's.
func (r *recorder) handle(w http.ResponseWriter, hr *http.Request, validate func(*Request) Answer) {
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody))
	req := Request{Method: hr.Method, Path: hr.URL.Path, Query: hr.URL.Query(), Header: hr.Header.Clone(), Body: body}
	ans := Answer{Status: http.StatusBadRequest, Body: "unreadable body"}
	if err == nil {
		ans = validate(&req)
	} else {
		req.Problem = "reading the body: " + err.Error()
	}
	r.mu.Lock()
	r.init()
	if len(r.script) > 0 {
		ans, r.script = r.script[0], r.script[1:]
	}
	req.Status = ans.Status
	r.requests = append(r.requests, req)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	for k, vs := range ans.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if ans.Body != "" && w.Header().Get("Content-Type") == "" {
		if json.Valid([]byte(ans.Body)) {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
	}
	w.WriteHeader(ans.Status)
	_, _ = io.WriteString(w, ans.Body)
}

// jsonAnswer is an answer with v as its JSON body.
func jsonAnswer(status int, v any) Answer {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return Answer{Status: status, Body: string(b), Header: http.Header{"Content-Type": {"application/json"}}}
}

// isJSON reports whether a Content-Type is JSON.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// decodeStrict decodes body into v, rejecting unknown fields and trailing
// data.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

// statusOf guesses whether a notification text is about firing or
// resolved alerts from alerter's and Alertmanager's default subjects.
func statusOf(text string) string {
	switch {
	case strings.Contains(text, "[RESOLVED"):
		return "resolved"
	case strings.Contains(text, "[FIRING"), strings.Contains(text, "Alert storm"):
		return "firing"
	}
	return "unknown"
}
