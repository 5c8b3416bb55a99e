package evaluator

import (
	"math"
	"time"
)

// EvaluatedBefore returns a time w such that every rule group evaluation
// due before w has been stored, with its events; false while no groups
// run (before Start, after Stop). The dispatcher uses it to end the
// group_wait of routes with group_wait_early once the evaluations due when
// a group formed are stored (notifiers.EvaluationProgress).
//
// Each group's loop records the slot it evaluates or waits for next, and
// moves on only after the evaluation of that slot was committed; w is the
// earliest such slot. While a reload swaps the groups (which waits for
// evaluations in flight), progress is not known rather than waited for.
func (m *Manager) EvaluatedBefore() (time.Time, bool) {
	if !m.mu.TryRLock() {
		return time.Time{}, false
	}
	defer m.mu.RUnlock()
	if !m.running {
		return time.Time{}, false
	}
	w := int64(math.MaxInt64)
	for _, g := range m.allGroups() {
		d := g.due.Load()
		if d == 0 {
			return time.Time{}, false
		}
		w = min(w, d)
	}
	return time.Unix(0, w), true
}
