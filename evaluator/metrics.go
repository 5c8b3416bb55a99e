package evaluator

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/alerter/alerter/alert"
)

// metrics are the evaluator's own figures, named the Prometheus way.
type metrics struct {
	iterations       *prometheus.CounterVec
	missed           *prometheus.CounterVec
	groupDuration    *prometheus.GaugeVec
	groupLastEval    *prometheus.GaugeVec
	groupInterval    *prometheus.GaugeVec
	groupRules       *prometheus.GaugeVec
	ruleEvals        *prometheus.CounterVec
	ruleEvalFailures *prometheus.CounterVec
	queryDuration    prometheus.Histogram
	queries          prometheus.Counter
	queriesSaved     prometheus.Counter
	batches          prometheus.Counter
	batchFailures    prometheus.Counter
	queryFailures    *prometheus.CounterVec
	datasourceUp     prometheus.Gauge
	commitFailures   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, m *Manager) *metrics {
	g := []string{"rule_group"}
	mt := &metrics{
		iterations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_rule_group_iterations_total",
			Help: "Scheduled evaluations of a rule group, whether they ran or were missed.",
		}, g),
		missed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_rule_group_iterations_missed_total",
			Help: "Scheduled evaluations skipped because the previous one was still running.",
		}, g),
		groupDuration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alerter_rule_group_last_duration_seconds",
			Help: "Duration of the last evaluation of a rule group.",
		}, g),
		groupLastEval: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alerter_rule_group_last_evaluation_timestamp_seconds",
			Help: "Evaluation timestamp of the last evaluation of a rule group.",
		}, g),
		groupInterval: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alerter_rule_group_interval_seconds",
			Help: "Evaluation interval of a rule group (0 for cron-scheduled groups).",
		}, g),
		groupRules: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "alerter_rule_group_rules",
			Help: "Number of rules in a rule group.",
		}, g),
		ruleEvals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_rule_evaluations_total",
			Help: "Rule evaluations.",
		}, g),
		ruleEvalFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_rule_evaluation_failures_total",
			Help: "Rule evaluations that failed (query error, duplicate label sets, limit).",
		}, g),
		queryDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "alerter_query_duration_seconds",
			Help:    "Duration of datasource queries.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}),
		queries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_queries_total",
			Help: "Queries sent to the datasource.",
		}),
		queriesSaved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_queries_saved_total",
			Help: "Rule evaluations that reused the answer of an identical query of the same group evaluation instead of sending their own.",
		}),
		batches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_query_batches_total",
			Help: "Queries that asked the queries of several rules of a group at once (counted in alerter_queries_total too).",
		}),
		batchFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_query_batch_failures_total",
			Help: "Batched queries that failed, after which their rules queried alone.",
		}),
		queryFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alerter_query_failures_total",
			Help: "Datasource queries that failed, by reason (unavailable: the datasource failed; rule: the query was rejected).",
		}, []string{"reason"}),
		datasourceUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "alerter_datasource_up",
			Help: "1 if the last datasource query succeeded or was rejected for the rule's own fault, 0 if the datasource failed.",
		}),
		commitFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_state_commit_failures_total",
			Help: "Evaluation results that could not be stored and were kept for the next attempt.",
		}),
	}
	for _, r := range []string{"unavailable", "rule"} {
		mt.queryFailures.WithLabelValues(r)
	}
	if reg == nil {
		return mt
	}
	reg.MustRegister(mt.iterations, mt.missed, mt.groupDuration, mt.groupLastEval, mt.groupInterval,
		mt.groupRules, mt.ruleEvals, mt.ruleEvalFailures, mt.queryDuration, mt.queries, mt.queriesSaved, mt.batches, mt.batchFailures, mt.queryFailures,
		mt.datasourceUp, mt.commitFailures)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "alerter_alerts_flapping",
		Help: "Alerts that are flapping: their receivers were told so and hear nothing more about them until they are stable.",
	}, func() float64 { return float64(m.countFlapping()) }))
	for _, st := range []alert.State{alert.StatePending, alert.StateFiring} {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "alerter_alerts",
			Help:        "Alerts by state.",
			ConstLabels: prometheus.Labels{"state": st.String()},
		}, func() float64 { return float64(m.countAlerts(st)) }))
	}
	return mt
}

// initGroup creates a group's series so that they exist at zero.
func (mt *metrics) initGroup(g *groupRuntime) {
	mt.iterations.WithLabelValues(g.key)
	mt.missed.WithLabelValues(g.key)
	mt.ruleEvals.WithLabelValues(g.key)
	mt.ruleEvalFailures.WithLabelValues(g.key)
	mt.groupInterval.WithLabelValues(g.key).Set(g.interval.Seconds())
	mt.groupRules.WithLabelValues(g.key).Set(float64(len(g.rules)))
}

// dropGroup removes a group's series after a reload removed the group.
func (mt *metrics) dropGroup(key string) {
	for _, v := range []*prometheus.CounterVec{mt.iterations, mt.missed, mt.ruleEvals, mt.ruleEvalFailures} {
		v.DeleteLabelValues(key)
	}
	for _, v := range []*prometheus.GaugeVec{mt.groupDuration, mt.groupLastEval, mt.groupInterval, mt.groupRules} {
		v.DeleteLabelValues(key)
	}
}
