// Package condlog logs a failing condition once when it begins and once
// when it ends, instead of once per attempt: a database that is down for a
// minute gives two log lines, not one per evaluation of every group.
package condlog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Condition is one thing that can fail repeatedly (storing evaluation
// results, reaching PostgreSQL). Its zero value is a condition that works.
// It is safe for concurrent use.
type Condition struct {
	mu       sync.Mutex
	failing  bool
	since    time.Time
	failures int
}

// Fail records a failure. The first failure after success is logged at
// level (with args, err among them); the others at debug level. It reports
// whether this failure began the condition.
func (c *Condition) Fail(log *slog.Logger, level slog.Level, msg string, args ...any) bool {
	c.mu.Lock()
	first := !c.failing
	if first {
		c.failing, c.since, c.failures = true, time.Now(), 0
	}
	c.failures++
	c.mu.Unlock()
	if !first {
		level = slog.LevelDebug
	}
	log.Log(context.Background(), level, msg, args...)
	return first
}

// OK records a success. After failures it logs msg once at info level,
// with how many failures there were and for how long; otherwise nothing.
// It reports whether it ended a failing condition.
func (c *Condition) OK(log *slog.Logger, msg string, args ...any) bool {
	c.mu.Lock()
	was, since, n := c.failing, c.since, c.failures
	c.failing = false
	c.mu.Unlock()
	if !was {
		return false
	}
	log.Info(msg, append(args, "failures", n, "for", time.Since(since).Round(time.Millisecond))...)
	return true
}

// Failing reports whether the last outcome was a failure.
func (c *Condition) Failing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failing
}
