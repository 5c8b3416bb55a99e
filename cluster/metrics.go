package cluster

import "github.com/prometheus/client_golang/prometheus"

type electorMetrics struct {
	leader        prometheus.Gauge
	epoch         prometheus.Gauge
	renewFailures prometheus.Counter
	changes       *prometheus.CounterVec
	failovers     prometheus.Counter
}

func newElectorMetrics(reg prometheus.Registerer) *electorMetrics {
	m := &electorMetrics{
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "alerter_leader",
			Help: "1 while this replica holds the leadership lease (it evaluates rules and sends notifications), else 0.",
		}),
		epoch: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "alerter_leader_epoch",
			Help: "The fencing epoch of this replica's current or last leadership term.",
		}),
		renewFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_lease_renew_failures_total",
			Help: "Renewals of the leadership lease that failed (store unreachable, or the lease lost).",
		}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_leadership_changes_total",
			Help: "Times this replica became the leader (change=\"acquired\") or stopped being it (change=\"lost\").",
		}, []string{"change"}),
		failovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_failovers_total",
			Help: "Times this replica took the leadership over from another whose lease had expired (it died or was cut off).",
		}),
	}
	for _, c := range []string{"acquired", "lost"} {
		m.changes.WithLabelValues(c)
	}
	if reg != nil {
		reg.MustRegister(m.leader, m.epoch, m.renewFailures, m.changes, m.failovers)
	}
	return m
}
