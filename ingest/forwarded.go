package ingest

import (
	"context"
	"net/http"
)

// ForwardedHeader marks a push a follower forwarded to the leader, so
// that it is never forwarded again (two replicas that each think the
// other leads would otherwise pass it back and forth).
const ForwardedHeader = "X-Alerter-Forwarded"

type forwardedKey struct{}

// Forwarded reports whether the request in ctx was forwarded by another
// replica (see MarkForwarded).
func Forwarded(ctx context.Context) bool {
	v, _ := ctx.Value(forwardedKey{}).(bool)
	return v
}

// MarkForwarded notes in each request's context whether another replica
// forwarded it (ForwardedHeader), before h handles it.
func MarkForwarded(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(ForwardedHeader) != "" {
			r = r.WithContext(context.WithValue(r.Context(), forwardedKey{}, true))
		}
		h.ServeHTTP(w, r)
	})
}
