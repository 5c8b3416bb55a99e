package notifiers

import (
	"math/rand/v2"
	"time"
)

// backoff computes exponentially growing waits with jitter between
// failed delivery passes.
type backoff struct {
	initial, max time.Duration
	// failures counts consecutive failed passes.
	failures int
}

// next returns the wait after one more failure: initial·2^(failures-1),
// capped at max, of which the upper half is random ("equal jitter") so
// that replicas and groups do not retry in lockstep. It never exceeds max.
func (b *backoff) next() time.Duration {
	d := b.initial
	for i := 0; i < b.failures && d < b.max; i++ {
		if d > b.max/2 {
			d = b.max
			break
		}
		d *= 2
	}
	d = min(d, b.max)
	b.failures++
	half := d / 2
	return d - half + rand.N(half+1)
}

// reset forgets past failures after a successful pass.
func (b *backoff) reset() { b.failures = 0 }
