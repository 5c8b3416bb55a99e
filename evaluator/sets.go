package evaluator

import (
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// AlertSets returns the label and annotation maps of one of the
// evaluator's live alerts, for the dispatcher of the same process to hold
// the very same maps instead of copies decoded from the event outbox: the
// maps an alert gets are never changed afterwards (a change of labels or
// annotations gives the alert new maps), so they can be shared. ok is false
// for an alert the evaluator does not hold.
func (m *Manager) AlertSets(k alert.Key) (labels, annotations model.LabelSet, ok bool) {
	m.mu.RLock()
	rt := m.byID[k.RuleID]
	m.mu.RUnlock()
	if rt == nil {
		return nil, nil, false
	}
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	a := rt.states[k.ID]
	if a == nil {
		return nil, nil, false
	}
	return a.Labels, a.Annotations, true
}
