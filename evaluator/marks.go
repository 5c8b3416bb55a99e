package evaluator

import (
	"context"
	"time"

	"github.com/alerter/alerter/state"
)

// Group marks (the time of a group's last evaluation) and, on a shared
// store, the group's evaluation status are kept in memory and written only
// when the evaluation stores something else anyway (they ride along in its
// transaction), when the stored mark is older than markEvery, when a rule's
// health changed (followers show it), and when the evaluator stops (a
// graceful shutdown, the end of a leadership term; a reload does not need
// to: the reloaded groups store theirs at their first evaluation). So an
// evaluation that changed nothing costs no write and no fsync.
//
// What that changes on restart: the mark only matters to pending alerts,
// which start over when their group was not evaluated for longer than the
// outage tolerance. After a graceful stop every mark is exact. After a
// crash a mark can be up to markEvery (plus an interval, right after a
// reload) older than the group's real last evaluation, so the outage is
// counted from that much earlier and a pending alert may start over after
// an outage a little shorter than the tolerance: it may page later than it
// would have, never sooner. markEvery is a tenth of the tolerance, at most
// a minute.

// markEvery is how old a stored group mark may get while nothing else is
// written.
func (m *Manager) markEvery() time.Duration {
	return min(time.Minute, m.outageTolerance/10)
}

// markCanWait reports whether b carries nothing but the group's mark (and
// status), and whether that can wait: the stored mark is recent and no
// rule's health changed since the stored status.
func (g *groupRuntime) markCanWait(b *state.Batch) bool {
	if !b.Empty() || g.markStored.IsZero() || b.EvaluatedAt.IsZero() {
		return false
	}
	if b.EvaluatedAt.Sub(g.markStored) >= g.m.markEvery() || b.EvaluatedAt.Before(g.markStored) {
		return false
	}
	return b.Status == nil || sameHealth(b.Status, g.statusStored)
}

// sameHealth reports whether two statuses of a group have the same rules
// with the same health and error.
func sameHealth(a, b *state.GroupStatus) bool {
	if b == nil || len(a.Rules) != len(b.Rules) {
		return false
	}
	for i := range a.Rules {
		x, y := &a.Rules[i], &b.Rules[i]
		if x.RuleID != y.RuleID || x.Health != y.Health || x.LastError != y.LastError {
			return false
		}
	}
	return true
}

// stored records that b's mark and status were written.
func (g *groupRuntime) stored(b *state.Batch) {
	if !b.EvaluatedAt.IsZero() {
		g.markStored = b.EvaluatedAt
		if b.Status != nil {
			g.statusStored = b.Status
		}
		g.markUnsaved = nil
	}
}

// saveMarksTimeout bounds storing every group's last mark at stop.
const saveMarksTimeout = 5 * time.Second

// saveMarks writes the marks (and statuses) that evaluations left
// unwritten, when the groups stop for good (shutdown, end of the
// leadership term). A reload does not: the reloaded groups store theirs at
// their first evaluation.
func (m *Manager) saveMarks() {
	ctx, cancel := context.WithTimeout(context.Background(), saveMarksTimeout)
	defer cancel()
	for _, g := range m.allGroups() {
		b := g.markUnsaved
		if b == nil {
			continue
		}
		if err := m.store.Commit(ctx, b); err != nil {
			// Fenced (no longer the leader), the store is down, or time is
			// up: the next start counts the outage from the older mark.
			g.log.Debug("storing the group's last evaluation time at stop failed", "err", err)
			continue
		}
		g.stored(b)
	}
}
