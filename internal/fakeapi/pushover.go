package fakeapi

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pushover is Pushover's message API (pushover.net/api): POST
// /1/messages.json with form parameters, for one application token and
// one user key.
type Pushover struct {
	recorder
	Token, User string
}

// NewPushover returns the API for an application token and a user key,
// both 30 characters as Pushover issues them.
func NewPushover(token, user string) *Pushover { return &Pushover{Token: token, User: user} }

var (
	pushoverKey    = regexp.MustCompile(`^[A-Za-z0-9]{30}$`)
	pushoverDevice = regexp.MustCompile(`^[A-Za-z0-9_-]{1,25}$`)
)

// pushoverParams are the parameters the API knows.
var pushoverParams = map[string]bool{
	"token": true, "user": true, "message": true, "attachment": true, "attachment_base64": true,
	"attachment_type": true, "device": true, "html": true, "monospace": true, "priority": true,
	"sound": true, "timestamp": true, "title": true, "ttl": true, "url": true, "url_title": true,
	"retry": true, "expire": true, "callback": true, "tags": true,
}

// ServeHTTP answers as Pushover does: 200 {"status":1,"request":...}
// (with a "receipt" for emergency priority), or 400
// {"status":0,"errors":[...]} naming the invalid parameter.
func (p *Pushover) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.handle(w, r, p.validate)
}

func (p *Pushover) validate(r *Request) Answer {
	if r.Path != "/1/messages.json" {
		r.Problem = "unknown path"
		return jsonAnswer(http.StatusNotFound, map[string]any{"status": 0, "errors": []string{"not found"}, "request": "r"})
	}
	if r.Method != http.MethodPost {
		r.Problem = "method " + r.Method
		return jsonAnswer(http.StatusMethodNotAllowed, map[string]any{"status": 0, "errors": []string{"use POST"}, "request": "r"})
	}
	bad := func(field, msg string) Answer {
		r.Problem = msg
		body := map[string]any{"status": 0, "errors": []string{msg}, "request": "r"}
		if field != "" {
			body[field] = "invalid"
		}
		return jsonAnswer(http.StatusBadRequest, body)
	}
	params := url.Values{}
	if len(r.Body) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/x-www-form-urlencoded" {
			return bad("", "Content-Type "+mt+" is not application/x-www-form-urlencoded")
		}
		var err error
		if params, err = url.ParseQuery(string(r.Body)); err != nil {
			return bad("", "unparsable form: "+err.Error())
		}
	}
	for k, vs := range r.Query {
		params[k] = append(params[k], vs...)
	}
	for k, vs := range params {
		if !pushoverParams[k] {
			return bad(k, "unknown parameter "+k)
		}
		if len(vs) != 1 {
			return bad(k, k+" is given more than once")
		}
	}
	get := params.Get
	n := utf8.RuneCountInString
	switch {
	case !pushoverKey.MatchString(get("token")) || get("token") != p.Token:
		return bad("token", "application token is invalid, see https://pushover.net/api")
	case !pushoverKey.MatchString(get("user")) || get("user") != p.User:
		return bad("user", "user identifier is not a valid user, group, or subscribed user key, see https://pushover.net/api#identifiers")
	case strings.TrimSpace(get("message")) == "":
		return bad("message", "message cannot be blank")
	case n(get("message")) > 1024:
		return bad("message", "message is too long (1024 characters maximum)")
	case n(get("title")) > 250:
		return bad("title", "title is too long (250 characters maximum)")
	case n(get("url")) > 512:
		return bad("url", "url is too long (512 characters maximum)")
	case n(get("url_title")) > 100:
		return bad("url_title", "url_title is too long (100 characters maximum)")
	case get("html") == "1" && get("monospace") == "1":
		return bad("monospace", "html and monospace cannot both be set")
	}
	for _, flag := range []string{"html", "monospace"} {
		if v := get(flag); v != "" && v != "0" && v != "1" {
			return bad(flag, flag+" must be 0 or 1")
		}
	}
	if d := get("device"); d != "" {
		for _, name := range strings.Split(d, ",") {
			if !pushoverDevice.MatchString(name) {
				return bad("device", "device name is not valid")
			}
		}
	}
	if v := get("ttl"); v != "" {
		if ttl, err := strconv.Atoi(v); err != nil || ttl <= 0 {
			return bad("ttl", "ttl must be a positive number of seconds")
		}
	}
	prio := 0
	if v := get("priority"); v != "" {
		var err error
		if prio, err = strconv.Atoi(v); err != nil || prio < -2 || prio > 2 {
			return bad("priority", "priority is invalid")
		}
	}
	body := map[string]any{"status": 1, "request": "req-" + strconv.Itoa(len(r.Body))}
	if prio == 2 {
		retry, err := strconv.Atoi(get("retry"))
		if err != nil || retry < 30 {
			return bad("retry", "retry is invalid (must be at least 30 seconds)")
		}
		expire, err := strconv.Atoi(get("expire"))
		if err != nil || expire <= 0 || expire > 10800 {
			return bad("expire", "expire is invalid (at most 10800 seconds)")
		}
		body["receipt"] = "rcpt"
	}
	return jsonAnswer(http.StatusOK, body)
}

// Messages returns the parameters of the accepted messages, oldest first.
func (p *Pushover) Messages() []url.Values {
	var out []url.Values
	for _, r := range p.Requests() {
		if r.Accepted() {
			v, _ := url.ParseQuery(string(r.Body))
			for k, vs := range r.Query {
				v[k] = append(v[k], vs...)
			}
			out = append(out, v)
		}
	}
	return out
}

// Events lists the accepted messages, "firing" or "resolved" by their
// title.
func (p *Pushover) Events() []Event {
	var out []Event
	for _, m := range p.Messages() {
		out = append(out, Event{Kind: statusOf(m.Get("title")), Title: m.Get("title")})
	}
	return out
}

// Wait returns when cond holds for the events, or ctx ends.
func (p *Pushover) Wait(ctx context.Context, cond func([]Event) bool) error {
	return p.wait(ctx, func([]Request) bool { return cond(p.Events()) })
}
