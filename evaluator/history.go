package evaluator

import "time"

// DefaultEvalHistory is how many evaluations of each rule are kept for the
// API when Options.EvalHistory is 0.
const DefaultEvalHistory = 20

// Evaluation is one evaluation of a rule, as the API shows a rule's recent
// history: when, how long, what the query returned, how many alerts were
// active after it, and the error if it failed.
type Evaluation struct {
	// At is the evaluation timestamp (the group's slot, not the wall
	// clock at which the query was answered).
	At       time.Time
	Duration time.Duration
	// Samples is how many series the query returned; -1 when the query
	// failed and returned nothing.
	Samples int
	// Active is how many of the rule's alerts were pending or firing
	// after the evaluation; -1 when the evaluation failed and left the
	// state untouched.
	Active int
	// Error is empty for a successful evaluation.
	Error string
}

// evalRing keeps a rule's last evaluations in a fixed-size ring, so that
// memory per rule is bounded however long alerter runs. Its owner's lock
// guards it.
type evalRing struct {
	buf  []Evaluation
	next int // where the next evaluation goes
	full bool
}

func newEvalRing(n int) *evalRing {
	if n <= 0 {
		return nil
	}
	return &evalRing{buf: make([]Evaluation, n)}
}

// add records e, overwriting the oldest once the ring is full. A nil ring
// (history disabled) records nothing.
func (r *evalRing) add(e Evaluation) {
	if r == nil {
		return
	}
	r.buf[r.next] = e
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
}

// list returns up to limit evaluations, newest first (all when limit <= 0).
func (r *evalRing) list(limit int) []Evaluation {
	if r == nil {
		return nil
	}
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	if limit > 0 && limit < n {
		n = limit
	}
	out := make([]Evaluation, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.buf[(r.next-i+len(r.buf))%len(r.buf)])
	}
	return out
}

// resize returns a ring of size n holding r's newest evaluations (a reload
// may change the configured size).
func (r *evalRing) resize(n int) *evalRing {
	if r != nil && len(r.buf) == n {
		return r
	}
	nr := newEvalRing(n)
	if nr == nil {
		return nil
	}
	old := r.list(n)
	for i := len(old) - 1; i >= 0; i-- {
		nr.add(old[i])
	}
	return nr
}

// Evaluations returns the last evaluations of the rule with the given ID,
// newest first, at most limit (all kept when limit <= 0); false when no
// loaded rule has that ID.
func (m *Manager) Evaluations(ruleID string, limit int) ([]Evaluation, bool) {
	m.mu.RLock()
	rt := m.byID[ruleID]
	m.mu.RUnlock()
	if rt == nil {
		return nil, false
	}
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.history.list(limit), true
}

// indexRules rebuilds the rule index by ID, and names the rules for the
// quality figures; m.mu is held.
func (m *Manager) indexRules() {
	m.byID = map[string]*ruleRuntime{}
	for _, g := range m.allGroups() {
		for _, rt := range g.rules {
			m.byID[rt.rule.ID] = rt
		}
	}
	if m.opts.Quality != nil {
		m.opts.Quality.SetRules(qualityRules(m.allGroups()))
	}
}
