package evaluator

import (
	"sort"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/rules"
)

// GroupStatus is a read-only snapshot of a group for the API.
type GroupStatus struct {
	// Key is the group key (file + ";" + name), as stored.
	Key          string
	Name         string
	File         string
	Interval     time.Duration
	Schedule     string
	Limit        int
	LastEval     time.Time
	EvalDuration time.Duration
	Rules        []RuleStatus
}

// RuleStatus is a read-only snapshot of a rule for the API.
type RuleStatus struct {
	Rule *rules.Rule
	// PushedQuery is the query sent for the rule when it differs from
	// Rule.Query by condition pushdown (rules.Rule.PushedQuery), "" when
	// the query is sent as written.
	PushedQuery  string
	Health       Health
	LastError    string
	LastEval     time.Time
	EvalDuration time.Duration
	// Alerts are copies of the rule's pending and firing alerts.
	Alerts []*alert.Alert
	// State is the most severe state among Alerts ("inactive" when none).
	State alert.State
}

// Groups returns a snapshot of every group, alerter's internal one last.
func (m *Manager) Groups() []GroupStatus {
	m.mu.RLock()
	groups := m.allGroups()
	m.mu.RUnlock()
	out := make([]GroupStatus, 0, len(groups))
	for _, g := range groups {
		g.mu.RLock()
		gs := GroupStatus{
			Key:          g.key,
			Name:         g.g.Name,
			File:         g.g.File,
			Interval:     g.interval,
			Schedule:     g.g.Schedule,
			Limit:        g.g.Limit,
			LastEval:     g.lastEval,
			EvalDuration: g.evalDur,
		}
		g.mu.RUnlock()
		for _, rt := range g.rules {
			rs := rt.status()
			if !m.opts.NoPushdown {
				rs.PushedQuery = rt.rule.PushedQuery
			}
			gs.Rules = append(gs.Rules, rs)
		}
		out = append(out, gs)
	}
	return out
}

func (rt *ruleRuntime) status() RuleStatus {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	rs := RuleStatus{
		Rule:         rt.rule,
		Health:       rt.health,
		LastError:    rt.lastError,
		LastEval:     rt.lastEval,
		EvalDuration: rt.evalDur,
	}
	for _, a := range rt.states {
		if a.State == alert.StateInactive {
			continue
		}
		rs.Alerts = append(rs.Alerts, a.Clone())
		if a.State > rs.State {
			rs.State = a.State
		}
	}
	sort.Slice(rs.Alerts, func(i, j int) bool { return rs.Alerts[i].ActiveAt.Before(rs.Alerts[j].ActiveAt) })
	return rs
}

// Alerts returns copies of every pending and firing alert, and of the
// flapping alerts that are not firing at the moment, which the
// notification side holds as firing (see alert.Alert.Ongoing).
func (m *Manager) Alerts() []*alert.Alert {
	var out []*alert.Alert
	for _, g := range m.Groups() {
		for _, r := range g.Rules {
			out = append(out, r.Alerts...)
		}
	}
	m.mu.RLock()
	groups := m.allGroups()
	m.mu.RUnlock()
	for _, g := range groups {
		for _, rt := range g.rules {
			rt.mu.RLock()
			for _, a := range rt.states {
				if a.State == alert.StateInactive && a.Flapping() {
					out = append(out, a.Clone())
				}
			}
			rt.mu.RUnlock()
		}
	}
	return out
}
