package codec

import (
	"encoding/json"
	"time"

	"github.com/alerter/alerter/state"
)

// groupStatusRecord is a group's evaluation status as stored (JSON), times
// as Unix nanoseconds like the tables'.
type groupStatusRecord struct {
	LastEval     int64              `json:"last_eval"`
	EvalDuration int64              `json:"eval_duration_ns"`
	Rules        []ruleStatusRecord `json:"rules"`
}

type ruleStatusRecord struct {
	RuleID       string `json:"rule_id"`
	Health       string `json:"health"`
	LastError    string `json:"last_error,omitempty"`
	LastEval     int64  `json:"last_eval"`
	EvalDuration int64  `json:"eval_duration_ns"`
}

// EncodeGroupStatus returns the stored JSON of a group's status (its Group
// is the row's key, not part of the JSON).
func EncodeGroupStatus(g *state.GroupStatus) (string, error) {
	last, err := EncodeTime(g.LastEval)
	if err != nil {
		return "", err
	}
	r := groupStatusRecord{LastEval: last, EvalDuration: int64(g.EvalDuration), Rules: make([]ruleStatusRecord, 0, len(g.Rules))}
	for _, rs := range g.Rules {
		t, err := EncodeTime(rs.LastEval)
		if err != nil {
			return "", err
		}
		r.Rules = append(r.Rules, ruleStatusRecord{RuleID: rs.RuleID, Health: rs.Health, LastError: rs.LastError,
			LastEval: t, EvalDuration: int64(rs.EvalDuration)})
	}
	b, err := json.Marshal(r)
	return string(b), err
}

// DecodeGroupStatus is the inverse of EncodeGroupStatus.
func DecodeGroupStatus(group string, b []byte) (state.GroupStatus, error) {
	var r groupStatusRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return state.GroupStatus{}, err
	}
	g := state.GroupStatus{Group: group, LastEval: DecodeTime(r.LastEval), EvalDuration: time.Duration(r.EvalDuration)}
	for _, rs := range r.Rules {
		g.Rules = append(g.Rules, state.RuleStatus{RuleID: rs.RuleID, Health: rs.Health, LastError: rs.LastError,
			LastEval: DecodeTime(rs.LastEval), EvalDuration: time.Duration(rs.EvalDuration)})
	}
	return g, nil
}
