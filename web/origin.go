package web

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/alerter/alerter/web/internal/envelope"
)

// Browsers let any page send a "simple" cross-origin request, a POST with
// a text/plain, form or multipart body, without asking the server first,
// and attach whatever the user's network reaches. With authentication off,
// a page on any site could then create a silence, a maintenance window or
// an acknowledgement. Origins closes that door for every mutating request
// (any method but GET, HEAD and OPTIONS), before any handler runs:
//
//   - a request with a body must say Content-Type: application/json
//     (parameters such as charset allowed), or it is answered 415, as
//     Alertmanager does; a browser cannot send that cross-origin without a
//     CORS preflight, which alerter never grants;
//   - a request carrying an Origin header is refused with 403 unless that
//     origin is the request's own (its host is the Host the request was
//     sent to), the origin of global.external_url, or listed in
//     web.allowed_origins; an Origin of "null" (sandboxed frames, file://)
//     is never the request's own;
//   - a request with Sec-Fetch-Site cross-site or same-site and no allowed
//     Origin is refused with 403.
//
// Requests with neither header (amtool, curl, Grafana's server side,
// scripts) pass: these headers are what browsers add, and a non-browser
// client is not a confused deputy. POST /slack/interactions is exempt:
// Slack posts forms, and every request there must carry Slack's signature.
type Origins struct {
	mu      sync.RWMutex
	allowed map[string]bool // normalised origins: scheme://host[:port]
}

// SetAllowed replaces the trusted origins (on start and reload): the
// origin of externalURL, if set, and each of allowed, which must be
// origins as config validation checks them (see ParseOrigin).
func (o *Origins) SetAllowed(externalURL string, allowed []string) error {
	m := map[string]bool{}
	if externalURL != "" {
		u, err := url.Parse(externalURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("external URL %q has no origin", externalURL)
		}
		m[normaliseOrigin(u.Scheme, u.Host)] = true
	}
	for _, a := range allowed {
		n, err := ParseOrigin(a)
		if err != nil {
			return err
		}
		m[n] = true
	}
	o.mu.Lock()
	o.allowed = m
	o.mu.Unlock()
	return nil
}

// ParseOrigin checks that s is a web origin, scheme://host[:port] with an
// http or https scheme and nothing else (no path, query, fragment or user),
// and returns it normalised (lower case, default port dropped). A trailing
// slash is tolerated.
func ParseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("origin %q is not a URL: %v", s, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("origin %q must start with http:// or https://", s)
	case u.Host == "":
		return "", fmt.Errorf("origin %q has no host", s)
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("origin %q must be scheme://host[:port] only, without user, path, query or fragment", s)
	}
	return normaliseOrigin(u.Scheme, u.Host), nil
}

func normaliseOrigin(scheme, host string) string {
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	if (scheme == "http" && strings.HasSuffix(host, ":80")) || (scheme == "https" && strings.HasSuffix(host, ":443")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	return scheme + "://" + host
}

func (o *Origins) listed(origin string) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.allowed[origin]
}

// mutating reports whether the method can change something.
func mutating(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// check answers a mutating request that must not go on, and reports
// whether it did.
func (o *Origins) check(w http.ResponseWriter, r *http.Request) bool {
	if !mutating(r.Method) || r.URL.Path == slackInteractionsPath {
		return false
	}
	if msg := o.refusal(r); msg != "" {
		refuse(w, r, http.StatusForbidden, "forbidden", msg)
		return true
	}
	if r.ContentLength != 0 {
		ct := r.Header.Get("Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			refuse(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type",
				fmt.Sprintf("unsupported media type %q: a request body must be sent with Content-Type: application/json", ct))
			return true
		}
	}
	return false
}

// refusal says why a browser request is refused, or "".
func (o *Origins) refusal(r *http.Request) string {
	origin := r.Header.Get("Origin")
	site := strings.ToLower(r.Header.Get("Sec-Fetch-Site"))
	crossSite := site == "cross-site" || site == "same-site"
	if origin == "" {
		if crossSite {
			return "cross-site request refused: Sec-Fetch-Site is " + site + " and no allowed Origin was sent"
		}
		return ""
	}
	n, err := ParseOrigin(origin)
	switch {
	case err != nil:
	case o.listed(n):
		return ""
	case !crossSite && n == normaliseOrigin(strings.SplitN(n, "://", 2)[0], r.Host):
		// The page was served by this host. The scheme is the Origin's:
		// behind a proxy that terminates TLS, alerter sees http while the
		// browser says https.
		return ""
	}
	return fmt.Sprintf("cross-origin request from %q refused: only the origin this API is served on, global.external_url's and web.allowed_origins may change anything", origin)
}

// refuse answers in the shape the path's clients read: Alertmanager's
// go-openapi error object under /api/v2/, the Prometheus envelope under
// /api/v1/, text elsewhere.
func refuse(w http.ResponseWriter, r *http.Request, status int, typ, msg string) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/v2/"):
		envelope.JSON(w, status, struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}{status, msg})
	case strings.HasPrefix(r.URL.Path, "/api/"):
		envelope.Error(w, status, typ, msg)
	default:
		http.Error(w, msg, status)
	}
}
