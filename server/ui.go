package server

import (
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers/escalation"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/web/amapi"
	"github.com/alerter/alerter/web/escalationapi"
	"github.com/alerter/alerter/web/ui"
)

// mountUI serves the web UI at / (its static files without a token: they
// hold no data) and the read-only escalation policies it shows.
func (s *Server) mountUI() error {
	h, err := ui.New()
	if err != nil {
		return err
	}
	s.api.HandlePublic("GET /{$}", h)
	s.api.HandlePublic("GET "+ui.Prefix, h)
	eh, err := escalationapi.New(escalationapi.Options{
		Policies: s.policies,
		Routes: func() *route.Route {
			root, _ := s.deliv.routing()
			return root
		},
	})
	if err != nil {
		return err
	}
	s.api.Handle("/api/v1/escalation_policies", eh)
	return nil
}

func (s *Server) policies() []*escalation.Policy {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	return s.cfg.EscalationPolicies
}

// groupsOf returns the aggregation groups the current routing tree puts
// an alert in, as the dispatcher forms them.
func (s *Server) groupsOf(ls model.LabelSet) []amapi.GroupRef {
	root, _ := s.deliv.routing()
	if root == nil {
		return nil
	}
	var out []amapi.GroupRef
	for _, r := range root.Match(ls) {
		out = append(out, amapi.GroupRef{Key: r.GroupKey(ls), Receiver: r.Receiver, Labels: r.GroupLabels(ls)})
	}
	return out
}

// escalationOf reads a group's escalation progress from the running
// dispatcher.
func (s *Server) escalationOf(groupKey string) (amapi.Escalation, bool) {
	d := s.deliv.dispatcher()
	if d == nil {
		return amapi.Escalation{}, false
	}
	e, ok := d.Escalations()[groupKey]
	if !ok {
		return amapi.Escalation{}, false
	}
	return amapi.Escalation{Policy: e.Policy, Reached: e.Reached, Levels: e.Levels, Start: e.Start, PausedAt: e.PausedAt,
		Next: e.Next, NextLevel: e.NextLevel, NextReceivers: e.NextReceivers}, true
}
