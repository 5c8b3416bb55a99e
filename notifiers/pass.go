package notifiers

import (
	"context"

	"github.com/alerter/alerter/alert"
)

// passResult is the outcome of one pass over the outbox.
type passResult struct {
	// retry: something failed and is worth trying again after a back-off.
	retry bool
	// full: the batch was full, so more events may be waiting.
	full bool
}

// pass reads one batch of pending events, sends it and marks what every
// integration has finished with.
//
// Order: within a group, an integration gets the messages in outbox order
// and stops at its first retryable failure, so a later event of a group is
// never sent before an earlier one that is still undelivered; the next
// pass reads the outbox from its oldest event again. Other groups and
// other integrations carry on.
//
// A permanent failure (a 400, say) is logged, counted and treated as
// finished: retrying cannot fix it and would block the group forever.
// This is the one exception to at-least-once delivery.
func (d *Deliverer) pass(ctx context.Context) passResult {
	events, err := d.outbox.PendingEvents(ctx, d.batchSize)
	if err != nil {
		if ctx.Err() == nil {
			d.logger.Error("reading outbox", "err", err)
		}
		return passResult{retry: true}
	}
	d.forgetGone(events)
	if len(events) == 0 {
		return passResult{}
	}
	res := passResult{full: len(events) >= d.batchSize}
	var finished []int64
	for _, g := range groupEvents(events, d.receiver, d.groupBy) {
		for i := range d.integrations {
			if ctx.Err() != nil {
				break
			}
			if !d.sendGroup(ctx, g, i) {
				res.retry = true
			}
		}
		finished = d.appendFinished(finished, g)
	}
	if len(finished) > 0 && !d.markDelivered(ctx, finished) {
		res.retry = true
	}
	return res
}

// sendGroup sends the messages of g that integration i has not finished
// with, in order, and reports false at the first retryable failure.
func (d *Deliverer) sendGroup(ctx context.Context, g *group, i int) bool {
	in := d.integrations[i]
	for _, m := range g.messages {
		todo := d.unfinished(m, i)
		if todo == nil {
			continue
		}
		start := d.now()
		retry, err := in.Notify(ctx, todo)
		if err != nil && ctx.Err() != nil {
			// Shutting down: neither the receiver's fault nor finished.
			return false
		}
		d.metrics.total.WithLabelValues(d.receiver, in.name).Inc()
		d.metrics.latency.WithLabelValues(d.receiver, in.name).Observe(d.now().Sub(start).Seconds())
		log := d.logger.With("integration", in.name, "group_key", todo.GroupKey, "events", len(todo.Events))
		if err != nil {
			if retry {
				d.metrics.failed.WithLabelValues(d.receiver, in.name, reasonRetryable).Inc()
				log.Warn("notification failed, will retry", "err", err)
				return false
			}
			d.metrics.failed.WithLabelValues(d.receiver, in.name, reasonPermanent).Inc()
			log.Error("notification failed permanently, dropping it", "err", err)
		} else {
			log.Debug("notification sent")
		}
		for _, e := range todo.Events {
			d.done[doneKey{e.ID, i}] = true
		}
	}
	return true
}

// unfinished returns m with only the events integration i has not
// finished with, or nil when there are none.
func (d *Deliverer) unfinished(m *Message, i int) *Message {
	var events []*alert.Event
	for _, e := range m.Events {
		if !d.done[doneKey{e.ID, i}] {
			events = append(events, e)
		}
	}
	if len(events) == 0 {
		return nil
	}
	if len(events) == len(m.Events) {
		return m
	}
	todo := *m
	todo.Events = events
	return &todo
}

// appendFinished appends the IDs of g's events that every integration has
// finished with.
func (d *Deliverer) appendFinished(ids []int64, g *group) []int64 {
	for _, m := range g.messages {
	events:
		for _, e := range m.Events {
			for i := range d.integrations {
				if !d.done[doneKey{e.ID, i}] {
					continue events
				}
			}
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// markDelivered records ids as delivered and forgets them. It still runs
// for a short while after ctx is cancelled, so that a shutdown does not
// cause the events just sent to be sent again.
func (d *Deliverer) markDelivered(ctx context.Context, ids []int64) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	if err := d.outbox.MarkDelivered(ctx, ids, d.now()); err != nil {
		// The events stay pending; done keeps them from being sent again.
		d.logger.Error("marking events delivered", "err", err, "events", len(ids))
		return false
	}
	for _, id := range ids {
		for i := range d.integrations {
			delete(d.done, doneKey{id, i})
		}
	}
	return true
}

// forgetGone drops progress records of events no longer pending (marked
// delivered elsewhere), so that done cannot grow without bound. Events
// with progress records are the oldest pending ones, so a batch read
// oldest first always contains those still pending.
func (d *Deliverer) forgetGone(pending []*alert.Event) {
	if len(d.done) == 0 {
		return
	}
	ids := make(map[int64]bool, len(pending))
	for _, e := range pending {
		ids[e.ID] = true
	}
	for k := range d.done {
		if !ids[k.event] {
			delete(d.done, k)
		}
	}
}
