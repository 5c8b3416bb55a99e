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
// health changed (followers show it), and when the group stops (a reload,
// a graceful shutdown, the end of a leadership term). So an evaluation that
// changed nothing costs no write and no fsync.
//
// What that changes on restart: the mark only matters to pending alerts,
// which start over when their group was not evaluated for longer than the
// outage tolerance. After a graceful stop every mark is exact. After a
// crash a mark can be up to markEvery older than the group's real last
// evaluation, so the outage is counted from up to markEvery earlier and a
// pending alert starts over after an outage of tolerance - markEvery or
// more, rather than of the tolerance: it may page later than it would
// have, never sooner. markEvery is a tenth of the tolerance, at most a
// minute.

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

// saveMark writes the mark (and status) that evaluations left unwritten,
// when the group stops.
func (g *groupRuntime) saveMark() {
	b := g.markUnsaved
	if b == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	if err := g.m.store.Commit(ctx, b); err != nil {
		// Fenced (no longer the leader) or the store is down: the next
		// start counts the outage from the older stored mark.
		g.log.Debug("storing the group's last evaluation time at stop failed", "err", err)
		return
	}
	g.stored(b)
}
