package replay

import "time"

// ReportVersion is the version of the JSON report's format; fields are
// only ever added within a version.
const ReportVersion = 1

// Report is what one replay found, for one rule set (two with --compare).
type Report struct {
	Version int       `json:"version"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// StepSeconds is the evaluation step forced with --step (0: each
	// group's own interval or schedule).
	StepSeconds float64 `json:"step_seconds"`
	// FlapEvaluations: an episode that resolved within this many
	// evaluations of firing is a flap.
	FlapEvaluations int `json:"flap_evaluations"`
	// Notifications is whether a configuration was given, so that
	// notifications were counted.
	Notifications bool          `json:"notifications"`
	Runs          []*RunReport  `json:"runs"`
	Comparison    []*Comparison `json:"comparison,omitempty"`
}

// RunReport is one rule set's replay.
type RunReport struct {
	// Name is the rule files, as given.
	Name      string        `json:"name"`
	Rules     []*RuleReport `json:"rules"`
	Receivers []Count       `json:"receivers,omitempty"`
	// Totals sum the rules.
	Totals Totals `json:"totals"`
}

// Totals are the sums over every rule of a run.
type Totals struct {
	Pending       int `json:"pending"`
	Fired         int `json:"fired"`
	Resolved      int `json:"resolved"`
	Flaps         int `json:"flaps"`
	Notifications int `json:"notifications"`
}

// Count is a number of notifications for a receiver.
type Count struct {
	Receiver string `json:"receiver"`
	Count    int    `json:"count"`
}

// RuleReport is one alerting rule's figures.
type RuleReport struct {
	Group string `json:"group"`
	File  string `json:"file"`
	Alert string `json:"alert"`
	// IntervalSeconds is how often it was evaluated (0: cron schedule).
	IntervalSeconds float64 `json:"interval_seconds"`
	Evaluations     int64   `json:"evaluations"`
	// Errors counts evaluations that failed (the query, or the rule:
	// duplicate label sets, limit); LastError is the last one's message.
	Errors    int    `json:"errors"`
	LastError string `json:"last_error,omitempty"`
	// NoData: its query never returned anything in the range.
	NoData bool `json:"no_data"`
	Stats
	// Notifications are the notifications that carried one of its alerts,
	// by receiver (with a configuration).
	Notifications []Count `json:"notifications,omitempty"`
	// Alerts are the rule's alerts with at least one pending or firing,
	// most fired first; AlertsOmitted counts those past the limit.
	Alerts        []*AlertReport `json:"alerts"`
	AlertsOmitted int            `json:"alerts_omitted,omitempty"`
}

// Stats are the figures shared by rules and alerts.
type Stats struct {
	// Pending counts how often an alert went pending (every firing went
	// through pending, even with for: 0).
	Pending int `json:"pending"`
	// Fired counts episodes that began (pending to firing).
	Fired int `json:"fired"`
	// Resolved counts episodes that ended within the range; Open those
	// still firing at its end.
	Resolved int `json:"resolved"`
	Open     int `json:"open"`
	// Flaps counts episodes that resolved within FlapEvaluations
	// evaluations of firing.
	Flaps int `json:"flaps"`
	// SeverityRaised counts severity rises of firing alerts.
	SeverityRaised int `json:"severity_raised"`
	// TimeToFire is from pending to firing, per episode.
	TimeToFire Durations `json:"time_to_fire"`
	// EpisodeDuration is from firing to resolution, per resolved episode.
	EpisodeDuration Durations `json:"episode_duration"`
	// FiringSeconds is how long at least one alert fired; FiringShare is
	// that as a share of the range (0 to 1).
	FiringSeconds float64 `json:"firing_seconds"`
	FiringShare   float64 `json:"firing_share"`
}

// AlertReport is one alert's figures (an alert: one label set of a rule,
// the severity label left out for rules with severities).
type AlertReport struct {
	Labels map[string]string `json:"labels"`
	Stats
	Notifications int `json:"notifications,omitempty"`
}

// Comparison is one rule in two versions of the rule set, matched by
// group and alert name; a rule in only one version has the other nil.
type Comparison struct {
	Group string      `json:"group"`
	Alert string      `json:"alert"`
	A     *RuleReport `json:"a"`
	B     *RuleReport `json:"b"`
}
