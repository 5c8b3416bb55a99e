package web

import (
	"cmp"
	"log/slog"
	"net/http"
	"time"
)

// Defaults of Timeouts. Prometheus users know --web.read-timeout; these are
// tighter because alerter's requests are small (bodies are bounded by
// DefaultMaxBodyBytes).
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 2 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
)

// Timeouts bound how long a client can hold a connection; zero fields
// take the defaults.
type Timeouts struct {
	// ReadHeader bounds reading a request's headers.
	ReadHeader time.Duration
	// Read bounds reading a whole request, headers and body: a client that
	// announces a body and never sends it is cut off after it.
	Read time.Duration
	// Write bounds writing the response, from the end of the request's
	// headers: a client that never reads is cut off after it.
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next
	// request.
	Idle time.Duration
}

// NewHTTPServer returns the http.Server for the API, with every timeout
// set: a connection cannot be held open by a slow or silent client.
func NewHTTPServer(h http.Handler, t Timeouts, log *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cmp.Or(t.ReadHeader, DefaultReadHeaderTimeout),
		ReadTimeout:       cmp.Or(t.Read, DefaultReadTimeout),
		WriteTimeout:      cmp.Or(t.Write, DefaultWriteTimeout),
		IdleTimeout:       cmp.Or(t.Idle, DefaultIdleTimeout),
		MaxHeaderBytes:    64 << 10,
	}
	if log != nil {
		srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	}
	return srv
}
