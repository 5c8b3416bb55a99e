package remotewrite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
)

// maxFailRanges bounds how many failed stretches of samples a queue
// remembers for Wait; older ones are forgotten (their waiters are long
// gone: Wait is used right after Commit).
const maxFailRanges = 64

// errDropped explains samples dropped from a full queue.
var errDropped = errors.New("dropped: the remote-write queue was full")

// entry is a queued sample with its sequence number and arrival time.
type entry struct {
	Sample
	seq uint64
	at  time.Time
}

// failRange is a stretch of sequence numbers that was not written.
type failRange struct {
	from, to uint64
	err      error
}

// queue holds one endpoint's samples and sends them in order over one
// connection. Sequence numbers start at 1, in append order.
type queue struct {
	name    string
	cfg     QueueConfig
	relabel []*relabel.Config
	client  *client
	log     *slog.Logger
	m       *queueMetrics

	mu       sync.Mutex
	buf      []entry // waiting, oldest first
	inflight []entry // taken by the sender, oldest first
	nextSeq  uint64
	fails    []failRange
	urgent   int           // waiters that want the queue sent now
	changed  chan struct{} // closed and replaced when samples settle
	notify   chan struct{} // wakes the sender
}

func newQueue(name string, cfg QueueConfig, rl []*relabel.Config, c *client, log *slog.Logger, m *queueMetrics) *queue {
	return &queue{
		name: name, cfg: cfg, relabel: rl, client: c, log: log, m: m,
		nextSeq: 1, changed: make(chan struct{}), notify: make(chan struct{}, 1),
	}
}

// enqueue relabels and queues samples, dropping the oldest when the queue
// is full, and returns the sequence numbers given to them (from > to when
// relabelling dropped them all).
func (q *queue) enqueue(samples []Sample, now time.Time) (from, to uint64) {
	kept := make([]Sample, 0, len(samples))
	var b labels.Builder
	for _, s := range samples {
		if len(q.relabel) > 0 {
			b.Reset(s.Labels)
			if !relabel.ProcessBuilder(&b, q.relabel...) {
				continue
			}
			s.Labels = b.Labels()
			if s.Labels.IsEmpty() {
				continue
			}
		}
		kept = append(kept, s)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	from = q.nextSeq
	for _, s := range kept {
		q.buf = append(q.buf, entry{Sample: s, seq: q.nextSeq, at: now})
		q.nextSeq++
	}
	to = q.nextSeq - 1
	if over := len(q.buf) - q.cfg.Capacity; over > 0 {
		dropped := q.buf[:over]
		q.addFail(dropped[0].seq, dropped[over-1].seq, errDropped)
		q.buf = append(q.buf[:0], q.buf[over:]...)
		q.m.dropped.Add(float64(over))
		q.log.Warn("remote-write queue full, oldest samples dropped", "samples", over)
		q.broadcast()
	}
	q.m.pending.Set(float64(len(q.buf) + len(q.inflight)))
	q.poke()
	return from, to
}

func (q *queue) poke() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *queue) broadcast() {
	close(q.changed)
	q.changed = make(chan struct{})
}

func (q *queue) addFail(from, to uint64, err error) {
	if len(q.fails) == maxFailRanges {
		q.fails = append(q.fails[:0], q.fails[1:]...)
	}
	q.fails = append(q.fails, failRange{from, to, err})
}

// settledBelow is the lowest sequence number not yet settled: every
// sample below it was written, refused or dropped.
func (q *queue) settledBelow() uint64 {
	switch {
	case len(q.inflight) > 0:
		return q.inflight[0].seq
	case len(q.buf) > 0:
		return q.buf[0].seq
	default:
		return q.nextSeq
	}
}

// wait blocks until the samples numbered from..to have settled, and
// reports the first that was not written, or ctx's error.
func (q *queue) wait(ctx context.Context, from, to uint64) error {
	if from > to {
		return nil
	}
	q.mu.Lock()
	q.urgent++
	q.poke()
	defer func() {
		q.mu.Lock()
		q.urgent--
		q.mu.Unlock()
	}()
	for q.settledBelow() <= to {
		ch := q.changed
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return fmt.Errorf("remote write %s: samples not written yet: %w", q.name, ctx.Err())
		case <-ch:
		}
		q.mu.Lock()
	}
	defer q.mu.Unlock()
	for _, f := range q.fails {
		if f.from <= to && f.to >= from {
			return fmt.Errorf("remote write %s: %w", q.name, f.err)
		}
	}
	return nil
}

// run sends the queue until ctx ends.
func (q *queue) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		batch, wait := q.next(time.Now())
		if batch == nil {
			if wait > 0 {
				timer.Reset(wait)
			} else {
				timer.Reset(time.Hour)
			}
			select {
			case <-ctx.Done():
				return
			case <-q.notify:
			case <-timer.C:
			}
			continue
		}
		q.send(ctx, batch)
		if ctx.Err() != nil {
			return
		}
	}
}

// next takes the next batch when one is due: full, urgent, or its oldest
// sample has waited batch_send_deadline. Otherwise it says how long to
// wait (0: until something arrives).
func (q *queue) next(now time.Time) ([]entry, time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.buf) == 0 {
		return nil, 0
	}
	deadline := q.buf[0].at.Add(time.Duration(q.cfg.BatchSendDeadline))
	if len(q.buf) < q.cfg.MaxSamplesPerSend && q.urgent == 0 && now.Before(deadline) {
		return nil, deadline.Sub(now)
	}
	n := min(len(q.buf), q.cfg.MaxSamplesPerSend)
	q.inflight = append(q.inflight[:0], q.buf[:n]...)
	q.buf = append(q.buf[:0], q.buf[n:]...)
	return q.inflight, 0
}

// send writes one batch, retrying recoverable failures with exponential
// back-off (or the receiver's Retry-After) until it is written, refused
// for good, or ctx ends.
func (q *queue) send(ctx context.Context, batch []entry) {
	samples := make([]Sample, len(batch))
	for i, e := range batch {
		samples[i] = e.Sample
	}
	n := float64(len(batch))
	body, err := encode(samples)
	if err != nil {
		q.m.failed.Add(n)
		q.settle(err)
		return
	}
	backoff := time.Duration(q.cfg.MinBackoff)
	for {
		start := time.Now()
		err := q.client.send(ctx, body)
		q.m.duration.Observe(time.Since(start).Seconds())
		if err == nil {
			q.m.sent.Add(n)
			q.settle(nil)
			return
		}
		if ctx.Err() != nil {
			q.settle(fmt.Errorf("not written before shutdown: %w", ctx.Err()))
			return
		}
		retry, after := recoverable(err)
		if !retry {
			q.m.failed.Add(n)
			q.log.Error("remote write refused samples; dropping them", "samples", len(batch), "err", err)
			q.settle(err)
			return
		}
		q.m.retried.Add(n)
		wait := backoff
		if after > 0 {
			wait = after
		}
		backoff = min(2*backoff, time.Duration(q.cfg.MaxBackoff))
		q.log.Warn("remote write failed; retrying", "samples", len(batch), "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			q.settle(fmt.Errorf("not written before shutdown: %w", ctx.Err()))
			return
		case <-t.C:
		}
	}
}

// settle ends the in-flight batch: written (err nil) or not.
func (q *queue) settle(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil && len(q.inflight) > 0 {
		q.addFail(q.inflight[0].seq, q.inflight[len(q.inflight)-1].seq, err)
	}
	clear(q.inflight)
	q.inflight = q.inflight[:0]
	q.m.pending.Set(float64(len(q.buf)))
	q.broadcast()
}
