// Package amapi serves the part of Alertmanager's API v2 (/api/v2/) that
// tools built for Alertmanager use with alerter: silences (amtool silence
// …, Grafana, karma), the firing alerts with their silenced/inhibited
// status (amtool alert query), receivers and status. Paths, JSON shapes,
// query parameters and status codes are Alertmanager's; the additions
// (untilResolved on silences, mutedBy on alerts, escalation on alert
// groups, POST /api/v2/silences/preview) are fields and paths
// Alertmanager's clients ignore.
package amapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
)

// Silences is what the API needs of the silence store; *silence.Silences
// satisfies it.
type Silences interface {
	Set(ctx context.Context, s *silence.Silence, now time.Time) (string, error)
	Expire(ctx context.Context, id string, now time.Time) error
	Get(id string) (*silence.Silence, error)
	Query(filter matcher.Matchers, now time.Time) []*silence.Silence
	MutedBy(ls model.LabelSet, now time.Time) []string
	Preview(draft *silence.Silence, alerts []model.LabelSet, now time.Time) []int
}

// DefaultMaxBodyBytes bounds a request body when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Options configure the API.
type Options struct {
	Silences Silences
	// Alerts returns the current pending and firing alerts; only firing
	// ones are Alertmanager alerts and are listed.
	Alerts func() []*alert.Alert
	// InhibitedBy returns the fingerprints of the alerts that inhibit an
	// alert now (empty when it is not inhibited); nil means never.
	InhibitedBy func(model.LabelSet) []string
	// Receivers returns the receivers an alert is routed to; nil means
	// none.
	Receivers func(model.LabelSet) []string
	// GroupsOf returns the aggregation groups an alert is in, for GET
	// /api/v2/alerts/groups; nil means none (the endpoint lists nothing).
	GroupsOf func(model.LabelSet) []GroupRef
	// Escalation returns a group's escalation progress by group key;
	// false when its route has no escalation policy. nil means none.
	Escalation func(groupKey string) (Escalation, bool)
	// TimeMutedBy returns the names of the time intervals that mute the
	// routes an alert takes now (Alertmanager's status.mutedBy); nil
	// means none.
	TimeMutedBy func(ls model.LabelSet, now time.Time) []string
	// ReceiverNames lists every configured receiver for GET
	// /api/v2/receivers; nil means none.
	ReceiverNames func() []string
	// ConfigYAML returns the configuration with secrets hidden, for
	// status.config.original; nil gives "".
	ConfigYAML func() string
	// Cluster returns the cluster status; nil: a single replica
	// ("disabled").
	Cluster   func() ClusterStatus
	Version   string
	StartTime time.Time
	Logger    *slog.Logger
	// MaxBodyBytes bounds request bodies (DefaultMaxBodyBytes when 0).
	MaxBodyBytes int64
	// Push takes in alerts posted to POST /api/v2/alerts; nil refuses
	// them with 405.
	Push AlertReceiver
	// MaxAlertsBodyBytes bounds a POST /api/v2/alerts body
	// (DefaultMaxAlertsBodyBytes when 0).
	MaxAlertsBodyBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// API is the /api/v2/ handler.
type API struct {
	o   Options
	log *slog.Logger
	mux *http.ServeMux
}

// New builds the handler. Silences and Alerts are required.
func New(o Options) (*API, error) {
	if o.Silences == nil || o.Alerts == nil {
		return nil, errors.New("amapi: Silences and Alerts are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxAlertsBodyBytes <= 0 {
		o.MaxAlertsBodyBytes = DefaultMaxAlertsBodyBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &API{o: o, log: o.Logger, mux: http.NewServeMux()}
	a.route("/api/v2/status", map[string]http.HandlerFunc{http.MethodGet: a.getStatus})
	a.route("/api/v2/receivers", map[string]http.HandlerFunc{http.MethodGet: a.getReceivers})
	a.route("/api/v2/alerts", map[string]http.HandlerFunc{http.MethodGet: a.getAlerts, http.MethodPost: a.postAlerts})
	a.route("/api/v2/alerts/groups", map[string]http.HandlerFunc{http.MethodGet: a.getAlertGroups})
	a.route("/api/v2/silences", map[string]http.HandlerFunc{http.MethodGet: a.getSilences, http.MethodPost: a.postSilence})
	a.route("/api/v2/silences/preview", map[string]http.HandlerFunc{http.MethodPost: a.previewSilence})
	a.route("/api/v2/silence/{id}", map[string]http.HandlerFunc{http.MethodGet: a.getSilence, http.MethodDelete: a.deleteSilence})
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeCodeError(w, http.StatusNotFound, http.StatusNotFound, "path "+r.URL.Path+" was not found")
	})
	return a, nil
}

// ServeHTTP implements http.Handler. As Alertmanager's, responses are
// never cached.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	a.mux.ServeHTTP(w, r)
}

// route registers a path with one handler per method, answering other
// methods 405 with Alertmanager's message. GET routes answer HEAD too.
func (a *API) route(path string, methods map[string]http.HandlerFunc) {
	var allowed []string
	for _, m := range []string{http.MethodDelete, http.MethodGet, http.MethodPost} {
		if methods[m] != nil {
			allowed = append(allowed, m)
		}
	}
	a.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		m := r.Method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		if h := methods[m]; h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ","))
		writeCodeError(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed,
			"method "+r.Method+" is not allowed, but ["+strings.Join(allowed, ",")+"] are")
	})
}
