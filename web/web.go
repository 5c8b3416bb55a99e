// Package web serves alerter's HTTP API: Prometheus-compatible rule and
// alert listings, metrics, health, readiness and reload.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/web/internal/envelope"
)

// RuleSource is what the API reads rules and alerts from; the evaluator's
// Manager satisfies it.
type RuleSource interface {
	Groups() []evaluator.GroupStatus
}

// ReloadStatus describes the last configuration (re)load.
type ReloadStatus struct {
	Success bool
	At      time.Time
	Error   string
}

// Options configure the API.
type Options struct {
	Rules RuleSource
	// Ready reports whether rules are loaded and state restored.
	Ready func() bool
	// Reload reloads the configuration; nil disables /-/reload.
	Reload func(ctx context.Context) error
	// LastReload reports the outcome of the last (re)load.
	LastReload func() ReloadStatus
	// Metrics serves /metrics.
	Metrics http.Handler
	Logger  *slog.Logger
	// StartTime is when the process started, for runtimeinfo.
	StartTime time.Time
	// Auth, when set, requires bearer tokens (see Auth).
	Auth *Auth
	// RuntimeInfo, when set, adds its fields to runtimeinfo (the storage,
	// the leadership).
	RuntimeInfo func() map[string]any
}

// API is the HTTP handler.
type API struct {
	opts Options
	mux  *http.ServeMux
}

// New builds the API handler.
func New(opts Options) *API {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	a := &API{opts: opts, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /api/v1/rules", a.rules)
	a.mux.HandleFunc("GET /api/v1/alerts", a.alerts)
	a.mux.HandleFunc("GET /api/v1/status/runtimeinfo", a.runtimeInfo)
	a.mux.HandleFunc("GET /-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Healthy.\n"))
	})
	a.mux.HandleFunc("GET /-/ready", a.ready)
	a.mux.HandleFunc("POST /-/reload", a.reload)
	a.mux.HandleFunc("PUT /-/reload", a.reload)
	if opts.Metrics != nil {
		a.mux.Handle("GET /metrics", opts.Metrics)
	}
	return a
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.opts.Auth != nil && !a.opts.Auth.allowed(r) {
		unauthorized(w)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// Handle adds a handler, so later issues can mount more API routes.
func (a *API) Handle(pattern string, h http.Handler) { a.mux.Handle(pattern, h) }

func (a *API) ready(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if a.opts.Ready != nil && !a.opts.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("Service Unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("Ready.\n"))
}

func (a *API) reload(w http.ResponseWriter, r *http.Request) {
	if a.opts.Reload == nil {
		http.Error(w, "reload is not available", http.StatusNotFound)
		return
	}
	if err := a.opts.Reload(r.Context()); err != nil {
		http.Error(w, "failed to reload config: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func writeData(w http.ResponseWriter, data any) { envelope.Data(w, http.StatusOK, data) }

func writeError(w http.ResponseWriter, code int, typ, msg string) { envelope.Error(w, code, typ, msg) }

func (a *API) runtimeInfo(w http.ResponseWriter, _ *http.Request) {
	info := map[string]any{"startTime": a.opts.StartTime}
	if a.opts.RuntimeInfo != nil {
		for k, v := range a.opts.RuntimeInfo() {
			info[k] = v
		}
	}
	if a.opts.LastReload != nil {
		st := a.opts.LastReload()
		info["reloadConfigSuccess"] = st.Success
		info["lastConfigTime"] = st.At
		if st.Error != "" {
			info["lastConfigError"] = st.Error
		}
	}
	writeData(w, info)
}
