package evaluator

import (
	"hash/fnv"
	"time"

	"github.com/robfig/cron/v3"
)

// schedule decides when a group evaluates.
type schedule interface {
	// first is the first evaluation time strictly after now.
	first(now time.Time) time.Time
	// next is the evaluation time after prev that is not before now, and
	// how many slots between them were missed.
	next(prev, now time.Time) (time.Time, int)
}

// intervalSchedule evaluates every interval at a stable offset within the
// interval derived from the group's key, so that groups spread out instead
// of all querying at the top of the interval.
type intervalSchedule struct {
	interval time.Duration
	offset   time.Duration
}

func newIntervalSchedule(key string, interval time.Duration) intervalSchedule {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return intervalSchedule{interval: interval, offset: time.Duration(h.Sum64() % uint64(interval))}
}

func (s intervalSchedule) first(now time.Time) time.Time {
	iv := int64(s.interval)
	n := now.UnixNano()
	t := n - n%iv + int64(s.offset)
	if t <= n {
		t += iv
	}
	return time.Unix(0, t).In(now.Location())
}

func (s intervalSchedule) next(prev, now time.Time) (time.Time, int) {
	t := prev.Add(s.interval)
	missed := 0
	for t.Before(now) {
		t = t.Add(s.interval)
		missed++
	}
	return t, missed
}

// cronSchedule evaluates at the times a cron expression names.
type cronSchedule struct{ c cron.Schedule }

func (s cronSchedule) first(now time.Time) time.Time { return s.c.Next(now) }

func (s cronSchedule) next(prev, now time.Time) (time.Time, int) {
	t := s.c.Next(prev)
	missed := 0
	for t.Before(now) {
		t = s.c.Next(t)
		missed++
	}
	return t, missed
}
