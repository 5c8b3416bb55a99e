package evaluator

import (
	"sort"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// WithStored returns the groups gs (the rules of a Manager that is not
// evaluating: a follower replica) with what the evaluating replica stored:
// each group's and rule's last evaluation and health (status), and each
// rule's pending and firing alerts (alerts, as the store holds them). So a
// follower's rule and alert listings read like the leader's. gs is not
// modified.
func WithStored(gs []GroupStatus, status []state.GroupStatus, alerts []*alert.Alert) []GroupStatus {
	byGroup := make(map[string]*state.GroupStatus, len(status))
	for i := range status {
		byGroup[status[i].Group] = &status[i]
	}
	byRule := map[string][]*alert.Alert{}
	for _, a := range alerts {
		if a.State != alert.StateInactive {
			byRule[a.Key.RuleID] = append(byRule[a.Key.RuleID], a)
		}
	}
	out := make([]GroupStatus, len(gs))
	for i, g := range gs {
		g.Rules = append([]RuleStatus(nil), g.Rules...)
		var rules map[string]state.RuleStatus
		if st := byGroup[g.Key]; st != nil {
			g.LastEval, g.EvalDuration = st.LastEval, st.EvalDuration
			rules = make(map[string]state.RuleStatus, len(st.Rules))
			for _, rs := range st.Rules {
				rules[rs.RuleID] = rs
			}
		}
		for j := range g.Rules {
			r := &g.Rules[j]
			if rs, ok := rules[r.Rule.ID]; ok {
				r.Health, r.LastError, r.LastEval, r.EvalDuration = Health(rs.Health), rs.LastError, rs.LastEval, rs.EvalDuration
			}
			r.Alerts, r.State = nil, alert.StateInactive
			for _, a := range byRule[r.Rule.ID] {
				r.Alerts = append(r.Alerts, a.Clone())
				if a.State > r.State {
					r.State = a.State
				}
			}
			sort.Slice(r.Alerts, func(x, y int) bool { return r.Alerts[x].ActiveAt.Before(r.Alerts[y].ActiveAt) })
		}
		out[i] = g
	}
	return out
}
