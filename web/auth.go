package web

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
)

// Auth guards the API with bearer tokens. Mutating requests (any method
// but GET, HEAD and OPTIONS, except POST /api/v2/silences/preview, which
// stores nothing) need the write token when one is set; reads
// need the read token (or the write token) when a read token is set.
// Health and readiness stay open for probes, and Slack's interaction
// callbacks, which carry Slack's signature instead of a token (checked by
// their handler); so do handlers mounted with API.HandlePublic (the web
// UI's static files, which hold no data). A missing or wrong token gets 401 with no detail; tokens
// are compared in constant time.
type Auth struct {
	mu    sync.RWMutex
	write []byte
	read  []byte
}

// SetTokens replaces the tokens (on start and reload); "" disables one.
func (a *Auth) SetTokens(write, read string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.write, a.read = nil, nil
	if write != "" {
		a.write = []byte(write)
	}
	if read != "" {
		a.read = []byte(read)
	}
}

// slackInteractionsPath is where Slack posts button clicks, signed with the
// app's signing secret instead of a token, form-encoded.
const slackInteractionsPath = "/slack/interactions"

// allowed reports whether r may proceed.
func (a *Auth) allowed(r *http.Request) bool {
	if r.URL.Path == "/-/healthy" || r.URL.Path == "/-/ready" || r.URL.Path == slackInteractionsPath {
		return true
	}
	a.mu.RLock()
	write, read := a.write, a.read
	a.mu.RUnlock()
	got := bearer(r)
	method := r.Method
	if method == http.MethodPost && r.URL.Path == "/api/v2/silences/preview" {
		method = http.MethodGet // a silence's preview changes nothing: a read
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		if read == nil {
			return true
		}
		return equal(got, read) || (write != nil && equal(got, write))
	default:
		if write == nil {
			return true
		}
		return equal(got, write)
	}
}

func bearer(r *http.Request) []byte {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	return []byte(strings.TrimSpace(token))
}

func equal(got, want []byte) bool {
	return len(got) > 0 && subtle.ConstantTimeCompare(got, want) == 1
}

// Unauthorized answers 401 without saying why.
func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="alerter"`)
	http.Error(w, "Unauthorized", http.StatusUnauthorized)
}
