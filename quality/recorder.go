// Package quality computes alert-quality figures per rule: how often a
// rule fires, pages, flaps and how fast its alerts are acknowledged. The
// Recorder keeps them as metrics, with bounded label sets (the rule group
// and the alert name only); Report aggregates the stored history of firing
// episodes (state.Episode) into the noisiest rules of a period, which
// /api/v1/report serves and `alerter report` prints.
package quality

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alerter/alerter/episode"
)

// Rule names one alerting rule for the metrics: its ID (as alert keys
// carry it), its group key (file;name) and its alert name.
type Rule struct {
	ID        string
	Group     string
	Alertname string
}

type name struct{ group, alertname string }

// Recorder keeps the per-rule alert-quality metrics. The evaluator tells
// it about firings, resolutions and flaps, the notification side about
// notifications and acknowledgements; both name the rule by its ID, which
// the Recorder maps to its labels. Methods are safe for concurrent use;
// a nil Recorder records nothing.
type Recorder struct {
	episodes      *prometheus.CounterVec
	flaps         *prometheus.CounterVec
	flapEpisodes  *prometheus.CounterVec
	notifications *prometheus.CounterVec
	lastFired     *prometheus.GaugeVec
	ackDelay      *prometheus.HistogramVec

	mu    sync.RWMutex
	rules map[string]name
	flapN int64
	// last is the value of each lastFired series.
	last map[name]float64
}

// New returns a Recorder registered on reg (nil: not registered).
func New(reg prometheus.Registerer) *Recorder {
	l := []string{"rule_group", "alertname"}
	r := &Recorder{
		episodes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_rule_episodes_total",
			Help: "Firing episodes of the rule's alerts (each time one of its alerts fired).",
		}, l),
		flaps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_rule_flaps_total",
			Help: "Firing episodes that resolved within alert_quality.flap_evaluations evaluations of firing, as alerter replay counts flaps.",
		}, l),
		flapEpisodes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_flap_episodes_total",
			Help: "Times one of the rule's alerts began flapping (flap detection), after which its receivers were told once and then held.",
		}, l),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_rule_notifications_total",
			Help: "Notifications queued that carried the rule's alerts, one per integration.",
		}, l),
		lastFired: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alerter_rule_last_fired_timestamp_seconds",
			Help: "When one of the rule's alerts last fired, as far as the stored episode history goes back (alert_quality.retention); 0 when none did.",
		}, l),
		ackDelay: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "alerter_rule_time_to_acknowledge_seconds",
			Help:    "Time from an incident's firing to its acknowledgement.",
			Buckets: []float64{60, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600},
		}, l),
		rules: map[string]name{},
		last:  map[name]float64{},
		flapN: episode.DefaultFlapEvaluations,
	}
	if reg != nil {
		reg.MustRegister(r.episodes, r.flaps, r.flapEpisodes, r.notifications, r.lastFired, r.ackDelay)
	}
	return r
}

// SetRules makes rs the rules the Recorder knows: their series exist (at
// zero) from now on, and those of rules no longer in rs are deleted.
func (r *Recorder) SetRules(rs []Rule) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	next := make(map[string]name, len(rs))
	keep := map[name]bool{}
	for _, x := range rs {
		n := name{x.Group, x.Alertname}
		next[x.ID] = n
		keep[n] = true
		r.episodes.WithLabelValues(n.group, n.alertname)
		r.flaps.WithLabelValues(n.group, n.alertname)
		r.flapEpisodes.WithLabelValues(n.group, n.alertname)
		r.notifications.WithLabelValues(n.group, n.alertname)
		r.lastFired.WithLabelValues(n.group, n.alertname)
		r.ackDelay.WithLabelValues(n.group, n.alertname)
		if _, ok := r.last[n]; !ok {
			r.last[n] = 0
		}
	}
	for _, n := range r.rules {
		if keep[n] {
			continue
		}
		r.episodes.DeleteLabelValues(n.group, n.alertname)
		r.flaps.DeleteLabelValues(n.group, n.alertname)
		r.flapEpisodes.DeleteLabelValues(n.group, n.alertname)
		r.notifications.DeleteLabelValues(n.group, n.alertname)
		r.lastFired.DeleteLabelValues(n.group, n.alertname)
		r.ackDelay.DeleteLabelValues(n.group, n.alertname)
		delete(r.last, n)
	}
	r.rules = next
}

// SetFlapEvaluations sets how many evaluations after firing a resolution
// still counts as a flap (episode.DefaultFlapEvaluations until set).
func (r *Recorder) SetFlapEvaluations(n int) {
	if r == nil || n < 1 {
		return
	}
	r.mu.Lock()
	r.flapN = int64(n)
	r.mu.Unlock()
}

// lookup returns the labels of a rule; false for rules it does not know
// (pushed alerts, a rule removed meanwhile).
func (r *Recorder) lookup(ruleID string) (name, int64, bool) {
	if r == nil {
		return name{}, 0, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	n, ok := r.rules[ruleID]
	return n, r.flapN, ok
}

// Fired records that an alert of the rule fired at at.
func (r *Recorder) Fired(ruleID string, at time.Time) {
	if n, _, ok := r.lookup(ruleID); ok {
		r.episodes.WithLabelValues(n.group, n.alertname).Inc()
		r.setLastFired(n, at)
	}
}

// setLastFired moves a rule's last-fired gauge forward to at.
func (r *Recorder) setLastFired(n name, at time.Time) {
	v := float64(at.UnixNano()) / 1e9
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.last[n]
	if !ok {
		return // the rule went away meanwhile
	}
	if v > cur {
		r.last[n] = v
		r.lastFired.WithLabelValues(n.group, n.alertname).Set(v)
	}
}

// Resolved records that an episode of the rule resolved after evaluations
// evaluations (negative: unknown, never a flap).
func (r *Recorder) Resolved(ruleID string, evaluations int64) {
	if n, flapN, ok := r.lookup(ruleID); ok && evaluations >= 0 && episode.IsFlap(evaluations, true, int(flapN)) {
		r.flaps.WithLabelValues(n.group, n.alertname).Inc()
	}
}

// BeganFlapping records that an alert of the rule began flapping.
func (r *Recorder) BeganFlapping(ruleID string) {
	if n, _, ok := r.lookup(ruleID); ok {
		r.flapEpisodes.WithLabelValues(n.group, n.alertname).Inc()
	}
}

// Notified records count notifications that carried the rule's alerts.
func (r *Recorder) Notified(ruleID string, count int) {
	if n, _, ok := r.lookup(ruleID); ok && count > 0 {
		r.notifications.WithLabelValues(n.group, n.alertname).Add(float64(count))
	}
}

// Acknowledged records that an incident of the rule was acknowledged
// after it had fired for after.
func (r *Recorder) Acknowledged(ruleID string, after time.Duration) {
	if n, _, ok := r.lookup(ruleID); ok {
		r.ackDelay.WithLabelValues(n.group, n.alertname).Observe(max(after, 0).Seconds())
	}
}

// SeedLastFired sets the last-fired gauges from the stored history (by
// rule ID), keeping later values already recorded.
func (r *Recorder) SeedLastFired(last map[string]time.Time) {
	for id, at := range last {
		if n, _, ok := r.lookup(id); ok && !at.IsZero() {
			r.setLastFired(n, at)
		}
	}
}
