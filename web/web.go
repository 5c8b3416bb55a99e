// Package web serves alerter's HTTP API: Prometheus-compatible rule and
// alert listings, metrics, health, readiness and reload.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/web/internal/envelope"
)

// RuleSource is what the API reads rules and alerts from; the evaluator's
// Manager satisfies it.
type RuleSource interface {
	Groups() []evaluator.GroupStatus
	// Evaluations returns a rule's last evaluations, newest first.
	Evaluations(ruleID string, limit int) ([]evaluator.Evaluation, bool)
}

// DatasourceStatus is the datasource's health as runtimeinfo reports it.
type DatasourceStatus struct {
	// URL is the datasource's address without credentials.
	URL string
	// FailingSince is when queries started failing as unavailable; zero
	// while the datasource answers.
	FailingSince time.Time
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
	// PushedAlerts returns the firing alerts pushed to alerter; GET
	// /api/v1/alerts lists them after the evaluated ones. nil: none.
	PushedAlerts func() []*alert.Alert
	// Push takes in alerts posted to POST /api/v1/alerts (Alertmanager's
	// API v1); nil leaves that method unserved.
	Push AlertReceiver
	// Datasource reports the datasource's health for runtimeinfo; nil
	// leaves it out.
	Datasource func() DatasourceStatus
	// Storage describes where state is kept ("sqlite:/var/lib/alerter"),
	// for runtimeinfo.
	Storage string
	// Origins refuses cross-origin browser requests and bodies that are
	// not JSON on every mutating route (see Origins); nil makes one that
	// trusts only each request's own origin.
	Origins *Origins
	// MaxBodyBytes bounds every request body, whatever the route
	// (DefaultMaxBodyBytes when 0); handlers bound theirs further.
	MaxBodyBytes int64
	// RuntimeInfo, when set, adds its fields to runtimeinfo (the storage,
	// the leadership).
	RuntimeInfo func() map[string]any
	// Report serves GET /api/v1/report; nil leaves it unserved.
	Report Reporter
}

// DefaultMaxBodyBytes is the largest request body any route accepts: the
// largest of the routes' own limits (Alertmanager's API and Slack's
// interactions take up to 1 MiB).
const DefaultMaxBodyBytes = 1 << 20

// API is the HTTP handler.
type API struct {
	opts   Options
	mux    *http.ServeMux
	public *http.ServeMux
}

// New builds the API handler.
func New(opts Options) *API {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Origins == nil {
		opts.Origins = &Origins{}
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	a := &API{opts: opts, mux: http.NewServeMux(), public: http.NewServeMux()}
	a.mux.HandleFunc("GET /api/v1/rules", a.rules)
	a.mux.HandleFunc("GET /api/v1/alerts", a.alerts)
	if opts.Push != nil {
		a.mux.HandleFunc("POST /api/v1/alerts", a.postAlerts)
	}
	a.mux.HandleFunc("GET /api/v1/status/runtimeinfo", a.runtimeInfo)
	if opts.Report != nil {
		a.mux.HandleFunc("GET /api/v1/report", a.report)
	}
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

// ServeHTTP implements http.Handler. Before any route runs, it checks
// the bearer token (Auth), refuses cross-origin and non-JSON mutations
// (Origins) and bounds the body.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, pattern := a.public.Handler(r); pattern != "" {
		h.ServeHTTP(w, r)
		return
	}
	if a.opts.Auth != nil && !a.opts.Auth.allowed(r) {
		unauthorized(w)
		return
	}
	if a.opts.Origins.check(w, r) {
		return
	}
	if r.ContentLength > a.opts.MaxBodyBytes {
		refuse(w, r, http.StatusRequestEntityTooLarge, "bad_data", fmt.Sprintf("request body is larger than %d bytes", a.opts.MaxBodyBytes))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.opts.MaxBodyBytes)
	a.mux.ServeHTTP(w, r)
}

// Handle adds a handler, so later issues can mount more API routes.
func (a *API) Handle(pattern string, h http.Handler) { a.mux.Handle(pattern, h) }

// HandlePublic adds a handler served without a token even when Auth
// requires one: for content that holds no data, such as the web UI's
// static files, which must load before the page can ask for a token.
// Its patterns take precedence over Handle's.
func (a *API) HandlePublic(pattern string, h http.Handler) { a.public.Handle(pattern, h) }

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
	if a.opts.Datasource != nil {
		ds := a.opts.Datasource()
		d := map[string]any{"url": ds.URL, "up": ds.FailingSince.IsZero()}
		if !ds.FailingSince.IsZero() {
			d["failingSince"] = ds.FailingSince
		}
		info["datasource"] = d
	}
	if _, ok := info["storage"]; !ok && a.opts.Storage != "" {
		info["storage"] = a.opts.Storage
	}
	writeData(w, info)
}
