package evaluator

import (
	"sync"
	"time"
)

// dsHealth tracks since when the datasource has been failing.
type dsHealth struct {
	mu           sync.Mutex
	failingSince time.Time
	lastErr      string
	onChange     func(up bool)
}

func (h *dsHealth) observe(ts time.Time, err error, unavailable bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil || !unavailable {
		h.failingSince, h.lastErr = time.Time{}, ""
		if h.onChange != nil {
			h.onChange(true)
		}
		return
	}
	if h.failingSince.IsZero() {
		h.failingSince = ts
	}
	h.lastErr = err.Error()
	if h.onChange != nil {
		h.onChange(false)
	}
}

// failing returns since when the datasource has been failing, or zero.
func (h *dsHealth) failing() (time.Time, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failingSince, h.lastErr
}
