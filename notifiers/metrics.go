package notifiers

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Values of the "reason" label of alerter_notifications_failed_total.
const (
	reasonRetryable = "retryable"
	reasonPermanent = "permanent"
)

// metrics are the Deliverer's instruments. Deliverers that register with
// one registry (two instances in one process) share the collectors.
type metrics struct {
	total   *prometheus.CounterVec
	failed  *prometheus.CounterVec
	latency *prometheus.HistogramVec
	depth   prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_notifications_total",
			Help: "Notifications attempted, per receiver and integration.",
		}, []string{"receiver", "integration"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_notifications_failed_total",
			Help: "Notifications that failed, per receiver, integration and whether the failure is retried.",
		}, []string{"receiver", "integration", "reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "alerter_notification_latency_seconds",
			Help:    "Time an integration took to send one notification, failed ones included.",
			Buckets: prometheus.DefBuckets,
		}, []string{"receiver", "integration"}),
		depth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "alerter_outbox_depth",
			Help: "Events in the outbox not yet delivered.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.total, err = register(reg, m.total); err != nil {
		return nil, err
	}
	if m.failed, err = register(reg, m.failed); err != nil {
		return nil, err
	}
	if m.latency, err = register(reg, m.latency); err != nil {
		return nil, err
	}
	if m.depth, err = register(reg, m.depth); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the identical collector already
// registered by another Deliverer.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// initIntegration creates the series of one integration so that they
// exist at zero before the first notification.
func (m *metrics) initIntegration(receiver, integration string) {
	m.total.WithLabelValues(receiver, integration)
	m.latency.WithLabelValues(receiver, integration)
	m.failed.WithLabelValues(receiver, integration, reasonRetryable)
	m.failed.WithLabelValues(receiver, integration, reasonPermanent)
}
