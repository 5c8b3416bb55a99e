package notifiers

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// register registers c, or returns the collector already registered under
// the same description, so that two instances on one registry share it.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

type dispatchMetrics struct {
	groups      prometheus.Gauge
	queued      *prometheus.CounterVec
	dropped     *prometheus.CounterVec
	suppressed  *prometheus.CounterVec
	storms      *prometheus.CounterVec
	escalations *prometheus.CounterVec
	timeMuted   prometheus.Counter
	// earlyFlushes counts groups whose first notification went out before
	// group_wait ended (group_wait_early).
	earlyFlushes prometheus.Counter
}

func newDispatchMetrics(reg prometheus.Registerer) *dispatchMetrics {
	ri := []string{"receiver", "integration"}
	return &dispatchMetrics{
		groups: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "alerter_dispatcher_aggregation_groups",
			Help: "Alert groups the dispatcher holds.",
		})),
		queued: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_notifications_queued_total",
			Help: "Notifications written to the outbox.",
		}, ri)),
		dropped: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_notifications_dropped_total",
			Help: "Undelivered notifications dropped because an integration's outbox was full (superseded ones first).",
		}, ri)),
		suppressed: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_notifications_storm_suppressed_total",
			Help: "Per-group notifications replaced by a storm digest.",
		}, ri)),
		storms: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_notification_storms_total",
			Help: "Alert storms detected, by receiver.",
		}, []string{"receiver"})),
		escalations: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_escalations_total",
			Help: "Escalation levels notified (including repeats of the last level), by policy.",
		}, []string{"policy"})),
		timeMuted: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_notifications_time_muted_total",
			Help: "Firing alerts of group flushes that sent nothing because their route was muted by its time intervals.",
		})),
		earlyFlushes: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_notification_groups_early_total",
			Help: "New alert groups (routes with group_wait_early) notified before group_wait ended, once the rule evaluations due when they formed were stored.",
		})),
	}
}

// Values of the "reason" label of alerter_notifications_failed_total.
const (
	reasonRetryable = "retryable"
	reasonPermanent = "permanent"
)

type sendMetrics struct {
	sent    *prometheus.CounterVec
	failed  *prometheus.CounterVec
	retried *prometheus.CounterVec
	latency *prometheus.HistogramVec
	depth   *prometheus.GaugeVec
	// groupsRetrying counts the groups whose oldest message is in back-off.
	groupsRetrying *prometheus.GaugeVec
}

func newSendMetrics(reg prometheus.Registerer) *sendMetrics {
	ri := []string{"receiver", "integration"}
	return &sendMetrics{
		sent: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_notifications_total",
			Help: "Notifications delivered, per receiver and integration.",
		}, ri)),
		failed: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_notifications_failed_total",
			Help: "Notification attempts that failed, by reason (retryable: tried again; permanent: given up).",
		}, []string{"receiver", "integration", "reason"})),
		retried: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_notifications_retried_total",
			Help: "Notification attempts that were retries.",
		}, ri)),
		latency: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "alerter_notification_latency_seconds",
			Help:    "Time from queueing a notification to its delivery.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, ri)),
		depth: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alerter_outbox_depth",
			Help: "Undelivered notifications, per receiver and integration.",
		}, ri)),
		groupsRetrying: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alerter_notification_groups_retrying",
			Help: "Alert groups whose oldest undelivered notification failed and waits to be retried (their later notifications wait with it; other groups go on).",
		}, ri)),
	}
}

func (m *sendMetrics) init(receiver, integration string) {
	m.sent.WithLabelValues(receiver, integration)
	m.retried.WithLabelValues(receiver, integration)
	m.latency.WithLabelValues(receiver, integration)
	m.depth.WithLabelValues(receiver, integration)
	m.groupsRetrying.WithLabelValues(receiver, integration)
	for _, r := range []string{reasonRetryable, reasonPermanent} {
		m.failed.WithLabelValues(receiver, integration, r)
	}
}
