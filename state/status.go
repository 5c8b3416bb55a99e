package state

import "time"

// GroupStatus is how a rule group's last evaluation went, as the leader
// stores it with each evaluation so that every replica can show it
// (/api/v1/rules on a follower).
type GroupStatus struct {
	// Group is the group key (file + ";" + group name).
	Group        string
	LastEval     time.Time
	EvalDuration time.Duration
	Rules        []RuleStatus
}

// RuleStatus is how a rule's last evaluation went.
type RuleStatus struct {
	RuleID       string
	Health       string // "ok", "err" or "unknown", as Prometheus's API says
	LastError    string
	LastEval     time.Time
	EvalDuration time.Duration
}
