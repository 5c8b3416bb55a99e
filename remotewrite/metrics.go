package remotewrite

import "github.com/prometheus/client_golang/prometheus"

// metrics are the alerter_remote_write_* figures, by endpoint (remote_name
// and url, as Prometheus labels its own).
type metrics struct {
	sent, failed, retried, dropped *prometheus.CounterVec
	pending                        *prometheus.GaugeVec
	duration                       *prometheus.HistogramVec
}

type queueMetrics struct {
	sent, failed, retried, dropped prometheus.Counter
	pending                        prometheus.Gauge
	duration                       prometheus.Observer
}

func newMetrics(reg prometheus.Registerer) *metrics {
	l := []string{"remote_name", "url"}
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_remote_write_samples_total",
			Help: "Samples written to the remote-write endpoint.",
		}, l),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_remote_write_samples_failed_total",
			Help: "Samples the endpoint refused for good (a 4xx answer other than 429); they are not retried.",
		}, l),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_remote_write_samples_retried_total",
			Help: "Samples whose request failed in a way worth retrying (network, 5xx, 429) and was retried.",
		}, l),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_remote_write_samples_dropped_total",
			Help: "Samples dropped, oldest first, because the queue was full.",
		}, l),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alerter_remote_write_samples_pending",
			Help: "Samples queued or being sent.",
		}, l),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "alerter_remote_write_request_duration_seconds",
			Help:    "Duration of remote-write requests, failed ones included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 8),
		}, l),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.failed, m.retried, m.dropped, m.pending, m.duration)
	}
	return m
}

func (m *metrics) forQueue(name, url string) *queueMetrics {
	return &queueMetrics{
		sent:     m.sent.WithLabelValues(name, url),
		failed:   m.failed.WithLabelValues(name, url),
		retried:  m.retried.WithLabelValues(name, url),
		dropped:  m.dropped.WithLabelValues(name, url),
		pending:  m.pending.WithLabelValues(name, url),
		duration: m.duration.WithLabelValues(name, url),
	}
}
