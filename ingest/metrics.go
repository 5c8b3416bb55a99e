package ingest

import "github.com/prometheus/client_golang/prometheus"

// metrics are Alertmanager's alert-ingestion figures under alerter's names.
type metrics struct {
	received *prometheus.CounterVec
	invalid  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, in *Ingester) *metrics {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_alerts_received_total",
			Help: "Valid alerts received through the push API, by the status they arrived with (firing or resolved).",
		}, []string{"status"}),
		invalid: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_alerts_invalid_total",
			Help: "Alerts received through the push API and refused as invalid.",
		}),
	}
	m.received.WithLabelValues("firing")
	m.received.WithLabelValues("resolved")
	if reg == nil {
		return m
	}
	reg.MustRegister(m.received, m.invalid, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "alerter_pushed_alerts",
		Help: "Firing alerts held that were pushed through the API rather than evaluated.",
	}, func() float64 { return float64(in.countFiring()) }))
	return m
}
