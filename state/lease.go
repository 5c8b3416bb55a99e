package state

import (
	"errors"
	"time"
)

// ErrFenced is returned by a write of a leadership term that is over:
// another replica took the lease since (its epoch is newer), so this
// replica must neither commit alert state nor queue nor send notifications.
// Check it with errors.Is.
var ErrFenced = errors.New("state: fenced: another replica holds the leadership lease")

// ErrNotPending is returned by ClaimNotification for a notification that
// was delivered (or given up) meanwhile, by this replica or another.
var ErrNotPending = errors.New("state: the notification is no longer pending")

// Topics of the changes a shared store tells its replicas about (see
// state/postgres): each names what a replica reloads when another changed
// it.
const (
	TopicSilences = "silences" // silences
	TopicAcks     = "acks"     // acknowledgements
	TopicWindows  = "windows"  // maintenance windows created through the API
	TopicAlerts   = "alerts"   // stored alerts (the leader's evaluations)
	TopicLease    = "lease"    // the leadership lease changed hands
)

// Lease is what a store says about the leadership lease. Leadership is
// handed out by the store: one holder at a time, for a time-to-live the
// store measures with its own clock, and with an epoch, the fencing token,
// that grows with every new term so that the writes of an earlier term
// can be refused.
type Lease struct {
	// Held reports whether the caller holds the lease.
	Held bool
	// Holder is who holds the lease ("" when nobody does).
	Holder string
	// Epoch is the current (or last) term's fencing token; 0 before the
	// first term.
	Epoch int64
	// Previous is, when the call started a new term, who held the lease
	// before it ("" if nobody, or if it was released cleanly).
	Previous string
	// Remaining is how long the current holder's lease has left, measured
	// by the store (0 when it has expired or nobody holds it). Followers
	// wait about that long before they try to take it.
	Remaining time.Duration
}

// Replica is one alerter process sharing a store, as the replica list shows
// it (GET /api/v2/status lists them as the cluster's peers).
type Replica struct {
	// ID is unique per process start; it is the replica's lease holder
	// name too.
	ID string
	// Name is the replica's name, as configured or derived (host:port).
	Name string
	// Address is where its HTTP API is reached.
	Address string
	// Leader reports whether it holds the lease (filled in by Replicas).
	Leader bool
	// SeenAgo is how long ago it last reported, by the store's clock
	// (filled in by Replicas).
	SeenAgo time.Duration
}
