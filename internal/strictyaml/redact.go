package strictyaml

import (
	"net/url"
	"strconv"
	"strings"
)

// RedactURLs removes a URL-like raw value from an error message. Parse
// errors of URL types (prometheus/common's config.URL, net/url) quote the
// whole input, and a URL in a configuration can carry credentials in its
// userinfo, path (Slack, Discord webhooks) or query. The value is replaced
// by its scheme and host only.
func RedactURLs(msg, raw string) string {
	if raw == "" || !strings.Contains(raw, "://") || !strings.Contains(msg, raw) && !strings.Contains(msg, strconv.Quote(raw)) {
		return msg
	}
	safe := "<redacted url>"
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		safe = u.Scheme + "://" + u.Hostname() + "/<redacted>"
	} else if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		host := rest
		if i := strings.IndexAny(host, "/?#"); i >= 0 {
			host = host[:i]
		}
		if i := strings.LastIndex(host, "@"); i >= 0 {
			host = host[i+1:]
		}
		if i := strings.LastIndex(host, ":"); i >= 0 {
			host = host[:i]
		}
		safe = scheme + "://" + host + "/<redacted>"
	}
	msg = strings.ReplaceAll(msg, strconv.Quote(raw), strconv.Quote(safe))
	return strings.ReplaceAll(msg, raw, safe)
}
