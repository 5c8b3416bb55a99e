package evaluator

import (
	"sync"
	"time"
)

// dsHealth tracks since when the datasource has been failing.
type dsHealth struct {
	mu           sync.Mutex
	failingSince time.Time
	onChange     func(up bool)
}

func (h *dsHealth) observe(ts time.Time, err error, unavailable bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil || !unavailable {
		h.failingSince = time.Time{}
		if h.onChange != nil {
			h.onChange(true)
		}
		return
	}
	if h.failingSince.IsZero() {
		h.failingSince = ts
	}
	if h.onChange != nil {
		h.onChange(false)
	}
}

// failing returns since when the datasource has been failing, or zero.
func (h *dsHealth) failing() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failingSince
}

// DatasourceFailingSince returns since when queries to the datasource have
// been failing as unavailable, or zero while it answers (or before the
// first query).
func (m *Manager) DatasourceFailingSince() time.Time { return m.health.failing() }

// seed sets since when the datasource has been failing, unless a failure
// was already observed: restored state says it was failing.
func (h *dsHealth) seed(since time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failingSince.IsZero() {
		h.failingSince = since
	}
}
