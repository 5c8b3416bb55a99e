package inhibit

import (
	"sync"
	"time"

	"github.com/prometheus/common/model"
)

// cacheMaxAge is how long a Cache answers from one snapshot of the firing
// alerts while the inhibition rules stay the same.
const cacheMaxAge = time.Second

// CacheOptions configure a Cache.
type CacheOptions struct {
	// Inhibitor returns the inhibition rules in effect (nil: none). It is
	// read on every call, so that a reload's rules apply at once.
	Inhibitor func() *Inhibitor
	// Firing returns the label sets of the firing alerts (see Snapshot
	// for which ones inhibit).
	Firing func() []model.LabelSet
}

// Cache answers "is this alert inhibited?" for an API that lists many
// alerts, from one Snapshot of the firing alerts rebuilt at most every
// second or when the inhibition rules changed, so that listing n alerts
// does not cost n passes over all of them. It is safe for concurrent use.
type Cache struct {
	opts CacheOptions

	mu   sync.Mutex
	ih   *Inhibitor
	at   time.Time
	snap *Snapshot
}

// NewCache returns a Cache over the rules and firing alerts opts give.
func NewCache(opts CacheOptions) *Cache { return &Cache{opts: opts} }

// InhibitedBy returns the fingerprint of a firing alert that inhibits an
// alert with labels ls at now, as seen by a snapshot no older than a
// second (false: not inhibited, or no inhibition rules).
func (c *Cache) InhibitedBy(ls model.LabelSet, now time.Time) (model.Fingerprint, bool) {
	ih := c.opts.Inhibitor()
	if ih == nil {
		return 0, false
	}
	c.mu.Lock()
	if c.snap == nil || c.ih != ih || now.Sub(c.at) > cacheMaxAge {
		c.ih, c.at = ih, now
		c.snap = ih.Snapshot(c.opts.Firing())
	}
	snap := c.snap
	c.mu.Unlock()
	return snap.InhibitedBy(ls)
}
