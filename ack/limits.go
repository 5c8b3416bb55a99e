package ack

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Default limits, used when Limits leaves a field at 0: together they
// bound the acknowledgements' text to about 20 MB.
const (
	DefaultMaxAcks         = 5000
	DefaultMaxAckSizeBytes = 4 << 10
)

// MaxExpiry is the latest expiry an acknowledgement may have: the end of
// year 9999, the last instant RFC 3339 can write (silence.MaxTime is the
// same instant, for silences).
var MaxExpiry = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// Limits bound what clients can make Acks hold. A zero field takes its
// default; a negative one means no limit.
type Limits struct {
	// MaxAcks bounds the acknowledgements in effect: those neither ended
	// (their alerts resolved) nor expired. One more is refused.
	MaxAcks int
	// MaxAckSizeBytes bounds a request's Size.
	MaxAckSizeBytes int
}

func (l Limits) withDefaults() Limits {
	if l.MaxAcks == 0 {
		l.MaxAcks = DefaultMaxAcks
	}
	if l.MaxAckSizeBytes == 0 {
		l.MaxAckSizeBytes = DefaultMaxAckSizeBytes
	}
	return l
}

// SetLimits replaces the limits (on start and reload); existing
// acknowledgements stay.
func (k *Acks) SetLimits(l Limits) {
	l = l.withDefaults()
	k.limits.Store(&l)
}

func (k *Acks) currentLimits() Limits {
	if l := k.limits.Load(); l != nil {
		return *l
	}
	return Limits{}.withDefaults()
}

// Size is what a request counts against Limits.MaxAckSizeBytes: the bytes
// of who acknowledges, the comment, and each matcher's name and value. The
// alerts it covers are not counted: they are alerts alerter already holds.
func (r Request) Size() int {
	n := len(r.By) + len(r.Comment)
	for _, m := range r.Matchers {
		if m != nil {
			n += len(m.Name) + len(m.Value)
		}
	}
	return n
}

func (l Limits) checkSize(r Request) error {
	if l.MaxAckSizeBytes > 0 && r.Size() > l.MaxAckSizeBytes {
		return &ValidationError{fmt.Sprintf(
			"acknowledgement is too large: %d bytes of createdBy, comment and matchers, over the limit of %d bytes (acknowledgements.max_acknowledgement_size_bytes)",
			r.Size(), l.MaxAckSizeBytes)}
	}
	return nil
}

func (l Limits) checkCount(n int) error {
	if l.MaxAcks > 0 && n+1 > l.MaxAcks {
		return &ValidationError{fmt.Sprintf(
			"too many acknowledgements: %d are in effect, the limit is %d (acknowledgements.max_acknowledgements); withdraw some first",
			n, l.MaxAcks)}
	}
	return nil
}

// countInEffect counts the acknowledgements neither ended nor expired at
// now.
func (k *Acks) countInEffect(now time.Time) int {
	n := 0
	for _, a := range k.cur.Load().byID {
		if a.EndedAt.IsZero() && !a.Expired(now) {
			n++
		}
	}
	return n
}

// endedAt is when an acknowledgement stopped being in effect, for
// trimming: when GC saw it end, else its expiry.
func (a *Ack) endedAt() time.Time {
	if !a.EndedAt.IsZero() {
		return a.EndedAt
	}
	return a.ExpiresAt
}

// trimEnded deletes the acknowledgements that ended or expired longest ago
// while there are more than MaxAcks of them. They are kept for the
// retention (24h) to be listed; without this, a client that acknowledges
// with a short expiry in a loop would make alerter hold any number of them
// until then. Callers hold k.mu; a store failure is logged and leaves them
// for GC.
func (k *Acks) trimEnded(ctx context.Context, now time.Time) {
	max := k.currentLimits().MaxAcks
	if max <= 0 {
		return
	}
	var done []*Ack
	for _, a := range k.cur.Load().byID {
		if !a.EndedAt.IsZero() || a.Expired(now) {
			done = append(done, a)
		}
	}
	if len(done) <= max {
		return
	}
	slices.SortFunc(done, func(x, y *Ack) int { return cmp.Or(x.endedAt().Compare(y.endedAt()), cmp.Compare(x.ID, y.ID)) })
	gone := map[string]bool{}
	ids := make([]string, 0, len(done)-max)
	for _, a := range done[:len(done)-max] {
		ids = append(ids, a.ID)
		gone[a.ID] = true
	}
	if k.o.Store != nil {
		if err := k.o.Store.DeleteAcks(ctx, ids); err != nil {
			k.log.Warn("deleting ended acknowledgements over the limit failed; GC will", "err", err)
			return
		}
	}
	k.cur.Store(build(slices.DeleteFunc(k.all(), func(a *Ack) bool { return gone[a.ID] })))
	k.log.Info("deleted ended acknowledgements before their retention: more than acknowledgements.max_acknowledgements", "count", len(ids), "limit", max)
}
