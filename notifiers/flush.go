package notifiers

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers/escalation"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/state"
)

// pending is one message a flush decided to send.
type pending struct {
	receiver string
	integ    ReceiverIntegration
	msg      *Message
	changes  int // alerts newly firing or resolved, for storm control
	group    *aggGroup
}

// flushDue flushes every group whose time has come, in one round: the
// round's messages are counted per receiver for storm control, queued in
// one transaction with the notification log, and the senders are woken.
// A group is due at its group_wait / group_interval tick, or when its
// escalation policy has a level (or a repeat) due.
func (d *Dispatcher) flushDue(ctx context.Context, now time.Time) {
	var due []*aggGroup
	ticks := map[*aggGroup]bool{}
	for _, g := range d.groups {
		tick := !g.nextFlush.After(now)
		if esc := d.escalationDue(g); tick || (!esc.IsZero() && !esc.After(now)) {
			due = append(due, g)
			ticks[g] = tick
		}
	}
	digests := d.dueDigests(now)
	if len(due) == 0 && len(digests) == 0 {
		return
	}
	sort.Slice(due, func(i, j int) bool { return due[i].key < due[j].key })
	d.escDirty = true
	inh := d.inhibitSnapshot()

	f := &state.Flush{At: now}
	var msgs []pending
	var cleanups []func()
	saved := map[*aggGroup]groupSave{}
	for _, g := range due {
		saved[g] = groupSave{nextFlush: g.nextFlush, esc: g.esc, acked: g.acked}
		out, cleanup := d.flushGroup(g, inh, now, f, ticks[g])
		msgs = append(msgs, out...)
		cleanups = append(cleanups, cleanup)
	}
	msgs = d.stormControl(msgs, now)
	msgs = append(msgs, digests...)
	notified := noteNotifications(msgs, f)
	for _, p := range msgs {
		b, err := EncodeMessage(p.msg)
		if err != nil {
			d.log.Error("encoding notification", "receiver", p.receiver, "err", err)
			continue
		}
		f.Notifications = append(f.Notifications, &state.Notification{
			Receiver: p.receiver, Integration: p.integ.Name, GroupKey: p.msg.GroupKey, Message: b, CreatedAt: now,
		})
	}
	if err := d.o.Store.ApplyFlush(ctx, f); err != nil {
		// Nothing was stored: the groups flush again shortly, with the
		// escalation and the log as they were before this round.
		if ctx.Err() == nil {
			level := slog.LevelError
			if errors.Is(err, state.ErrFenced) {
				level = slog.LevelWarn // the term is ending; nothing to retry
			}
			d.storeCond.Fail(d.log, level, "storing notifications failed; retrying shortly", "err", err)
		}
		if err := d.reloadNflog(ctx); err != nil && ctx.Err() == nil {
			d.log.Debug("reloading the notification log failed", "err", err)
		}
		for _, g := range due {
			sv := saved[g]
			g.esc, g.acked = sv.esc, sv.acked
			g.nextFlush = now.Add(time.Second)
		}
		d.ackObs = nil
		return
	}
	d.storeCond.OK(d.log, "storing notifications works again")
	// Stored: now the groups may forget what they have told.
	for _, c := range cleanups {
		c()
	}
	d.recordQuality(notified)
	for _, n := range f.Notifications {
		d.metrics.queued.WithLabelValues(n.Receiver, n.Integration).Inc()
		if dropped, err := d.o.Store.TrimNotifications(ctx, n.Receiver, n.Integration, d.o.MaxOutbox); err == nil && dropped > 0 {
			d.metrics.dropped.WithLabelValues(n.Receiver, n.Integration).Add(float64(dropped))
			d.log.Warn("outbox full: dropped superseded or oldest notifications", "receiver", n.Receiver, "integration", n.Integration, "dropped", dropped)
		}
	}
	if len(f.Notifications) > 0 && d.o.OnQueued != nil {
		d.o.OnQueued()
	}
}

func (d *Dispatcher) reloadNflog(ctx context.Context) error {
	log, err := d.o.Store.LoadNflog(ctx)
	if err != nil {
		return err
	}
	d.nflog = map[nflogKey]*state.NflogEntry{}
	d.byGroup = map[string]map[nflogKey]bool{}
	for i := range log {
		d.setNflog(&log[i])
	}
	return nil
}

// groupSave is a group's state before a flush round, restored when the
// round fails to be stored.
type groupSave struct {
	nextFlush time.Time
	esc       escalation.State
	acked     []uint64
}

func (d *Dispatcher) setNflog(e *state.NflogEntry) {
	k := nflogKey{e.Receiver, e.Integration, e.GroupKey}
	d.nflog[k] = e
	if d.byGroup[e.GroupKey] == nil {
		d.byGroup[e.GroupKey] = map[nflogKey]bool{}
	}
	d.byGroup[e.GroupKey][k] = true
}

func (d *Dispatcher) forgetGroupNflog(groupKey string) {
	for k := range d.byGroup[groupKey] {
		delete(d.nflog, k)
	}
	delete(d.byGroup, groupKey)
}

// inhibitSnapshot indexes the currently firing alerts for inhibition.
func (d *Dispatcher) inhibitSnapshot() *inhibit.Snapshot {
	if d.o.Inhibitor == nil {
		return nil
	}
	var firing []model.LabelSet
	for _, e := range d.alerts {
		if e.a.State == alert.StateFiring {
			firing = append(firing, e.a.Labels)
		}
	}
	return d.o.Inhibitor.Snapshot(firing)
}

func (d *Dispatcher) muted(ls model.LabelSet, inh *inhibit.Snapshot, now time.Time) bool {
	if inh != nil {
		if ok, _ := inh.Inhibited(ls); ok {
			return true
		}
	}
	return d.o.Muter != nil && d.o.Muter.Mutes(ls, now)
}

// flushGroup decides, for each integration of each receiver the group
// notifies (its route's receiver, and the receivers of the escalation
// levels reached), whether it must be told something now, with
// Alertmanager's rules: a new firing alert, all alerts resolved, a
// resolution of an alert it was told about (when it sends resolved), or
// repeat_interval elapsed with an unacknowledged alert. alerter adds:
// newly acknowledged alerts are told at once, acknowledged alerts do not
// repeat, and an escalation level reached (or repeated) notifies its
// receivers. It records the new notification log entries and escalation
// state in f, and forgets the group's resolved alerts.
//
// tick says the group_wait / group_interval tick is due (otherwise only
// its escalation is). Forgetting happens in the returned cleanup, which
// the caller runs only once the flush is stored: a failed store loses
// nothing.
func (d *Dispatcher) flushGroup(g *aggGroup, inh *inhibit.Snapshot, now time.Time, f *state.Flush, tick bool) ([]pending, func()) {
	if tick {
		g.flushed = true
		g.nextFlush = now.Add(g.route.GroupInterval)
	}
	var firing, resolved []*alert.Alert
	for _, a := range g.alerts {
		if a.State == alert.StateFiring {
			if !d.muted(a.Labels, inh, now) {
				firing = append(firing, a)
			}
		} else {
			resolved = append(resolved, a)
		}
	}
	SortAlerts(firing)
	SortAlerts(resolved)
	fps := fingerprints(firing)
	flapping := flappingFingerprints(firing)
	acks, unackedSince := d.acksOf(firing, now)
	acked := ackedFingerprints(firing, acks)
	d.noteAcks(g, firing, acks, acked, f)
	g.acked = acked
	// A route muted by its time intervals tells nobody anything, as in
	// Alertmanager: the notification log is left as it is, so the group
	// sends what is still firing at its first tick after the interval
	// ends; resolutions are forgotten below as after any flush. Its
	// escalation pauses, as for silenced alerts.
	timeMuted := len(g.route.MutedBy(now)) > 0
	switch {
	case timeMuted:
		unackedSince = time.Time{}
		g.timeMuted = true
		d.metrics.timeMuted.Add(float64(len(firing)))
	case g.timeMuted:
		g.timeMuted, g.unmutedAt = false, now
	}
	if !unackedSince.IsZero() && g.esc.Start.IsZero() && unackedSince.Before(g.unmutedAt) {
		// An escalation that never started because the route was muted
		// counts from the end of the interval, not from when the alerts
		// fired: nobody was told before.
		unackedSince = g.unmutedAt
	}

	// Escalation: which receivers are engaged, which are due now.
	recvs := []string{g.route.Receiver}
	forced := map[string]*Escalation{}
	if p := d.policy(g); p != nil {
		var levels []int
		var repeat bool
		prev := g.esc
		g.esc, levels, repeat = p.Step(g.esc, unackedSince, now)
		if g.esc != prev {
			f.Escalations = append(f.Escalations, state.EscalationState{GroupKey: g.key, Reached: g.esc.Reached,
				Start: g.esc.Start, LastAt: g.esc.LastAt, PausedAt: g.esc.PausedAt})
		}
		for _, lv := range levels {
			for _, r := range p.Levels[lv].Receivers {
				forced[r] = &Escalation{Policy: p.Name, Level: lv + 1, Levels: len(p.Levels), Repeat: repeat}
			}
		}
		for _, r := range p.Receivers(g.esc.Reached) {
			if r != g.route.Receiver {
				recvs = append(recvs, r)
			}
		}
		if len(levels) > 0 {
			d.metrics.escalations.WithLabelValues(p.Name).Add(float64(len(levels)))
		}
	}

	var out []pending
	if timeMuted {
		recvs = nil
	}
	for i, recv := range recvs {
		esc := forced[recv]
		for _, integ := range d.o.Receivers[recv] {
			k := nflogKey{recv, integ.Name, g.key}
			prev := d.nflog[k]
			told := resolvedTold(resolved, prev)
			update := needsUpdate(prev, fps, told, integ.SendResolved) ||
				(prev != nil && len(fps) > 0 && !subset(acked, prev.Acked)) ||
				(esc != nil && len(fps) > 0) ||
				flapNews(prev, fps, flapping)
			if !update && i == 0 && prev != nil && len(fps) > len(acked) {
				// The route's own receiver repeats while something is
				// unacknowledged; escalation receivers repeat by policy.
				update = now.Sub(prev.SentAt) >= g.route.RepeatInterval
			}
			if !update {
				continue
			}
			entry := state.NflogEntry{Receiver: recv, Integration: integ.Name, GroupKey: g.key, Firing: fps,
				Resolved: fingerprints(told), Acked: acked, Flapping: flapping, SentAt: now}
			d.setNflog(&entry)
			f.Nflog = append(f.Nflog, entry)
			if len(firing) == 0 && !integ.SendResolved {
				continue // the log moves on; nothing to say to this integration
			}
			m := &Message{
				Receiver:    recv,
				GroupKey:    g.key,
				GroupLabels: g.labels,
				Alerts:      append([]*alert.Alert(nil), firing...),
				ExternalURL: d.o.ExternalURL,
				At:          now,
				Acks:        acks,
				Escalation:  esc,
			}
			m.Changes = changes(prev, firing, told, acked)
			if integ.SendResolved {
				m.Alerts = append(m.Alerts, told...)
			} else {
				m.Changes.Resolved = nil
			}
			out = append(out, pending{receiver: recv, integ: integ, msg: m, group: g,
				changes: len(m.Changes.Firing) + len(m.Changes.Resolved) + len(m.Changes.Flapping)})
		}
	}

	// Resolved alerts have been considered by every integration: forget
	// them. A group left empty ends, and so do its notification log and
	// its escalation.
	empty := len(g.alerts) == len(resolved)
	if empty {
		for k := range d.byGroup[g.key] {
			f.DeleteNflog = append(f.DeleteNflog, state.NflogEntry{Receiver: k.receiver, Integration: k.integration, GroupKey: g.key})
		}
		if g.esc != (escalation.State{}) {
			f.DeleteEscalations = append(f.DeleteEscalations, g.key)
		}
	}
	cleanup := func() {
		for _, a := range resolved {
			// Only if it is still the resolved alert flushed (it may have
			// fired again meanwhile: then it stays).
			if cur := g.alerts[a.Key]; cur == a {
				delete(g.alerts, a.Key)
				if e := d.alerts[a.Key]; e != nil {
					e.leave(g)
					if len(e.groups) == 0 {
						delete(d.alerts, a.Key)
					}
				}
			}
		}
		if len(g.alerts) == 0 && d.groups[g.key] == g {
			delete(d.groups, g.key)
			d.metrics.groups.Dec()
			d.forgetGroupNflog(g.key)
		}
	}
	return out, cleanup
}

// resolvedTold returns the resolved alerts that the integration was told
// about as firing: only those deserve a "resolved".
func resolvedTold(resolved []*alert.Alert, prev *state.NflogEntry) []*alert.Alert {
	if prev == nil {
		return nil
	}
	was := set(prev.Firing)
	var out []*alert.Alert
	for _, a := range resolved {
		if was[uint64(a.Fingerprint())] {
			out = append(out, a)
		}
	}
	return out
}

// needsUpdate reports whether what changed since prev deserves a message
// (repeats are decided by the caller).
func needsUpdate(prev *state.NflogEntry, firing []uint64, told []*alert.Alert, sendResolved bool) bool {
	if prev == nil {
		return len(firing) > 0
	}
	if !subset(firing, prev.Firing) {
		return true
	}
	if len(firing) == 0 {
		// Everything it was told about resolved. Alerts that merely left
		// the group (re-routed after a severity rise) are not resolutions.
		return len(told) > 0
	}
	return sendResolved && !subset(fingerprints(told), prev.Resolved)
}

// changes lists what a message tells that the previous one (prev) did
// not: new firing alerts (flapping ones as Flapping: receivers are told
// they flap rather than that they fire), severity rises, resolutions,
// acknowledgements, alerts that began flapping, and flapping ones that
// are stable again (firing, or resolved).
func changes(prev *state.NflogEntry, firing, told []*alert.Alert, acked []uint64) Changes {
	var c Changes
	var was, wasFlapping map[uint64]bool
	if prev != nil {
		was, wasFlapping = set(prev.Firing), set(prev.Flapping)
	}
	for _, a := range firing {
		fp := uint64(a.Fingerprint())
		switch {
		case !was[fp]:
			switch {
			case prev != nil && !a.SeverityRaisedAt.IsZero() && a.SeverityRaisedAt.After(prev.SentAt):
				c.Raised = append(c.Raised, a)
			case a.Flapping():
				c.Flapping = append(c.Flapping, a)
			default:
				c.Firing = append(c.Firing, a)
			}
		case a.Flapping() && !wasFlapping[fp]:
			c.Flapping = append(c.Flapping, a)
		case !a.Flapping() && wasFlapping[fp]:
			c.Stable = append(c.Stable, a)
		}
	}
	if prev != nil {
		already := set(prev.Resolved)
		for _, a := range told {
			fp := uint64(a.Fingerprint())
			if !already[fp] {
				c.Resolved = append(c.Resolved, a)
				if wasFlapping[fp] {
					c.Stable = append(c.Stable, a)
				}
			}
		}
	}
	if len(acked) > 0 {
		isAcked := set(acked)
		var wasAcked map[uint64]bool
		if prev != nil {
			wasAcked = set(prev.Acked)
		}
		for _, a := range firing {
			if fp := uint64(a.Fingerprint()); isAcked[fp] && !wasAcked[fp] {
				c.Acked = append(c.Acked, a)
			}
		}
	}
	c.Repeat = len(c.Firing) == 0 && len(c.Resolved) == 0 && len(c.Raised) == 0 && len(c.Acked) == 0 &&
		len(c.Flapping) == 0 && len(c.Stable) == 0
	return c
}

// flappingFingerprints returns the sorted fingerprints of the flapping
// alerts among firing.
func flappingFingerprints(firing []*alert.Alert) []uint64 {
	var out []uint64
	for _, a := range firing {
		if a.Flapping() {
			out = append(out, uint64(a.Fingerprint()))
		}
	}
	return sortedUint64(out)
}

// flapNews reports whether an integration told prev must hear about a
// flap: an alert began flapping, or one it was told flaps fires on,
// stable. (A flapping alert that is stable and resolved is a resolution,
// which needsUpdate sees.)
func flapNews(prev *state.NflogEntry, firing, flapping []uint64) bool {
	if prev == nil {
		return false
	}
	if !subset(flapping, prev.Flapping) {
		return true
	}
	now, fire := set(flapping), set(firing)
	for _, fp := range prev.Flapping {
		if fire[fp] && !now[fp] {
			return true
		}
	}
	return false
}

func fingerprints(as []*alert.Alert) []uint64 {
	out := make([]uint64, len(as))
	for i, a := range as {
		out[i] = uint64(a.Fingerprint())
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func set(fps []uint64) map[uint64]bool {
	m := make(map[uint64]bool, len(fps))
	for _, f := range fps {
		m[f] = true
	}
	return m
}

func subset(a, b []uint64) bool {
	in := set(b)
	for _, x := range a {
		if !in[x] {
			return false
		}
	}
	return true
}
