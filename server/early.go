package server

import "time"

// evalProgress gives the dispatcher the evaluator's progress, for routes
// with group_wait_early (notifiers.EvaluationProgress).
type evalProgress struct{ s *Server }

func (e evalProgress) EvaluatedBefore() (time.Time, bool) {
	if e.s.mgr == nil {
		return time.Time{}, false
	}
	return e.s.mgr.EvaluatedBefore()
}

// onEvaluated tells the dispatcher that a rule group evaluation was
// stored (evaluator.Options.OnEvaluated).
func (s *Server) onEvaluated() {
	if s.deliv == nil {
		return
	}
	if d := s.deliv.dispatcher(); d != nil {
		d.EvaluationDone()
	}
}
