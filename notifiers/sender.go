package notifiers

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alerter/alerter/internal/condlog"
	"github.com/alerter/alerter/state"
)

// SenderOptions configure a Sender.
type SenderOptions struct {
	Receiver    string
	Integration ReceiverIntegration
	Store       state.NotifyStore
	Logger      *slog.Logger
	Registerer  prometheus.Registerer
	// InitialBackoff and MaxBackoff bound the wait between failed attempts
	// (500ms and 30s).
	InitialBackoff, MaxBackoff time.Duration
	// MaxAge gives up on a notification that could not be delivered for
	// this long (24h): by then newer messages of its group supersede it.
	MaxAge       time.Duration
	PollInterval time.Duration
	// Claim, when set, is asked right before each delivery attempt whether
	// this sender may still send n: a replica that lost its leadership
	// gets state.ErrFenced and sends nothing, and a notification another
	// replica delivered meanwhile is state.ErrNotPending and is skipped.
	Claim func(ctx context.Context, n *state.Notification) error
	// Parallel is how many groups are delivered at once (4), each group's
	// messages one after another, in order, as Alertmanager sends each
	// group from its own goroutine.
	Parallel int
}

// Sender delivers one integration's outbox. Each group's messages go out
// in order: a notification is retried, with exponential back-off and
// jitter per group, until it is delivered, rejected for good, or older
// than MaxAge, and the later messages of its group wait for it. Other
// groups keep flowing meanwhile: one message that keeps failing (a payload
// the receiver chokes on, a channel that was archived) holds back only its
// own group. What concerns the whole integration waits as a whole: a
// Retry-After from the receiver (a rate limit applies to the endpoint, not
// to one group), and failures to read the outbox, to record a delivery or
// to hold the leadership.
type Sender struct {
	o       SenderOptions
	log     *slog.Logger
	metrics *sendMetrics
	// mu guards bo and retrying while groups are delivered at once.
	mu sync.Mutex
	// bo and pausedUntil are the integration-wide back-off.
	bo          backoff
	pausedUntil time.Time
	// retrying holds the groups whose oldest message failed, with their
	// own back-off; a group's entry goes when that message is done.
	retrying map[string]*groupRetry
	wake     chan struct{}
	// readCond and claimCond log outbox and claim failures once per
	// episode, not once per attempt.
	readCond, claimCond condlog.Condition
}

// groupRetry is one group's back-off: its oldest message is next tried at
// until.
type groupRetry struct {
	bo    backoff
	until time.Time
}

// outcome is what one delivery attempt leaves to do.
type outcome uint8

const (
	// done: delivered, given up or skipped; the group's next message may go.
	outcomeDone outcome = iota
	// retryGroup: this group's message failed; its group waits.
	outcomeRetryGroup
	// pause: the whole integration waits (store, leadership, Retry-After).
	outcomePause
	// stopping: ctx ended.
	outcomeStopping
)

// NewSender builds a Sender.
func NewSender(o SenderOptions) (*Sender, error) {
	if o.Store == nil || o.Integration.Integration == nil {
		return nil, errors.New("notifiers: sender needs a store and an integration")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.InitialBackoff <= 0 {
		o.InitialBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	s := &Sender{
		o:        o,
		log:      o.Logger.With("receiver", o.Receiver, "integration", o.Integration.Name),
		metrics:  newSendMetrics(o.Registerer),
		bo:       backoff{initial: o.InitialBackoff, max: o.MaxBackoff},
		retrying: map[string]*groupRetry{},
		wake:     make(chan struct{}, 1),
	}
	s.metrics.init(o.Receiver, o.Integration.Name)
	return s, nil
}

// Wake asks the sender to look at its outbox now. It never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends. A Wake starts a pass at once; the pass
// leaves out the groups in back-off and sends nothing while the whole
// integration waits, so a Wake never cuts a back-off short.
func (s *Sender) Run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		wait := s.pass(ctx, time.Now())
		timer.Reset(wait) // Go 1.23+ timers: no draining needed
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.wake:
		}
	}
}

// pass sends the pending notifications of every group not in back-off,
// each group's in order, until none is left to try now. It returns how
// long to wait before the next pass: until the first back-off ends, at
// most PollInterval.
func (s *Sender) pass(ctx context.Context, now time.Time) time.Duration {
	if now.Before(s.pausedUntil) {
		return s.pausedUntil.Sub(now)
	}
	recv, name := s.o.Receiver, s.o.Integration.Name
	for ctx.Err() == nil {
		t := time.Now()
		skip := s.waitingGroups(t)
		pend, err := s.o.Store.PendingNotifications(ctx, recv, name, 50, skip...)
		if err != nil {
			if ctx.Err() == nil {
				s.readCond.Fail(s.log, slog.LevelError, "reading the outbox failed; retrying with back-off", "err", err)
			}
			return s.pause(s.bo.next())
		}
		s.readCond.OK(s.log, "reading the outbox works again")
		if n, err := s.o.Store.PendingCount(ctx, recv, name); err == nil {
			s.metrics.depth.WithLabelValues(recv, name).Set(float64(n))
		}
		if len(pend) == 0 {
			// Every group not left out has nothing pending: the entries
			// of groups whose wait is over are stale (their message was
			// trimmed, or another replica delivered it).
			for g, r := range s.retrying {
				if !t.Before(r.until) {
					delete(s.retrying, g)
				}
			}
			break
		}
		deliver := s.deliverGroups
		if s.o.Parallel == 1 {
			deliver = s.deliverInOrder
		}
		switch out, wait := deliver(ctx, pend); out {
		case outcomePause:
			return s.pause(wait)
		case outcomeStopping:
			return 0
		}
	}
	s.metrics.groupsRetrying.WithLabelValues(recv, name).Set(float64(len(s.retrying)))
	wait := s.o.PollInterval
	t := time.Now()
	for _, r := range s.retrying {
		wait = min(wait, max(r.until.Sub(t), 0))
	}
	return wait
}

// byGroup splits notifications by group, keeping each group's order.
func byGroup(ns []*state.Notification) [][]*state.Notification {
	var out [][]*state.Notification
	at := map[string]int{}
	for _, n := range ns {
		i, ok := at[n.GroupKey]
		if !ok {
			i = len(out)
			at[n.GroupKey] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], n)
	}
	return out
}

// deliverInOrder delivers the notifications one after another, in the
// outbox's order, leaving out the later messages of a group whose message
// failed; it returns as deliverGroups does.
func (s *Sender) deliverInOrder(ctx context.Context, pend []*state.Notification) (outcome, time.Duration) {
	failed := map[string]bool{} // groups whose message failed in this batch
	var halt atomic.Bool
	for _, n := range pend {
		if failed[n.GroupKey] {
			continue // in order: after its group's failed message
		}
		out, wait := s.deliverGroup(ctx, []*state.Notification{n}, &halt)
		if halt.Load() {
			return out, wait
		}
		s.mu.Lock()
		failed[n.GroupKey] = s.retrying[n.GroupKey] != nil
		s.mu.Unlock()
	}
	return outcomeDone, 0
}

// deliverGroups delivers the notifications of pend, up to Parallel groups
// at once and each group's in order, and returns what concerns the whole
// integration: outcomePause with the longest wait asked for, or
// outcomeStopping; otherwise outcomeDone. Once one group's delivery asks
// the integration to pause, no group starts another delivery.
func (s *Sender) deliverGroups(ctx context.Context, pend []*state.Notification) (outcome, time.Duration) {
	type result struct {
		out  outcome
		wait time.Duration
	}
	groups := byGroup(pend)
	results := make([]result, len(groups))
	var halt atomic.Bool
	sem := make(chan struct{}, s.o.Parallel)
	var wg sync.WaitGroup
	for i, g := range groups {
		sem <- struct{}{}
		if halt.Load() {
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i].out, results[i].wait = s.deliverGroup(ctx, g, &halt)
		})
	}
	wg.Wait()
	out, wait := outcomeDone, time.Duration(0)
	for _, r := range results {
		switch r.out {
		case outcomeStopping:
			return outcomeStopping, 0
		case outcomePause:
			out, wait = outcomePause, max(wait, r.wait)
		}
	}
	return out, wait
}

// deliverGroup delivers one group's notifications in order until one
// fails (the group waits in back-off), the integration must pause or stop
// (halt is set for the other groups), or halt is set by another group.
func (s *Sender) deliverGroup(ctx context.Context, ns []*state.Notification, halt *atomic.Bool) (outcome, time.Duration) {
	for _, n := range ns {
		if halt.Load() {
			return outcomeDone, 0 // left for the next pass
		}
		switch out, wait := s.deliver(ctx, n); out {
		case outcomeDone:
			s.mu.Lock()
			delete(s.retrying, n.GroupKey)
			s.mu.Unlock()
		case outcomeRetryGroup:
			s.mu.Lock()
			s.retrying[n.GroupKey].until = time.Now().Add(wait)
			s.mu.Unlock()
			return outcomeDone, 0 // in order: its later messages wait for it
		default:
			halt.Store(true)
			return out, wait
		}
	}
	return outcomeDone, 0
}

// nextPause returns the integration-wide back-off's next wait.
func (s *Sender) nextPause() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bo.next()
}

// pause makes the whole integration wait d and returns d.
func (s *Sender) pause(d time.Duration) time.Duration {
	s.pausedUntil = time.Now().Add(d)
	s.metrics.groupsRetrying.WithLabelValues(s.o.Receiver, s.o.Integration.Name).Set(float64(len(s.retrying)))
	return d
}

// waitingGroups lists the groups still in back-off at now.
func (s *Sender) waitingGroups(now time.Time) []string {
	var out []string
	for g, r := range s.retrying {
		if now.Before(r.until) {
			out = append(out, g)
		}
	}
	return out
}

// groupBackoff returns the back-off of n's group, creating it. The caller
// holds s.mu.
func (s *Sender) groupBackoff(group string) *groupRetry {
	r := s.retrying[group]
	if r == nil {
		r = &groupRetry{bo: backoff{initial: s.o.InitialBackoff, max: s.o.MaxBackoff}}
		s.retrying[group] = r
	}
	return r
}

// deliver sends one notification and says what is left to do, with the
// wait for outcomeRetryGroup and outcomePause.
func (s *Sender) deliver(ctx context.Context, n *state.Notification) (outcome, time.Duration) {
	recv, name := s.o.Receiver, s.o.Integration.Name
	done := func(st map[string]string, outcome string) bool {
		// Recorded even when ctx is ending: what was sent must not be sent
		// again after a restart.
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.o.Store.CompleteNotification(mctx, n, time.Now(), st); err != nil {
			if errors.Is(err, state.ErrFenced) {
				// Sent while this replica's term ended (it was paused):
				// the new leader may send it once more.
				s.log.Warn("notification sent, but this replica lost its leadership before recording it; the new leader may send it again",
					"id", n.ID, "group", n.GroupKey, "outcome", outcome)
				return false
			}
			s.log.Error("recording a delivered notification failed", "err", err, "outcome", outcome)
			return false
		}
		return true
	}
	m, err := DecodeMessage(n.Message)
	if err != nil {
		s.log.Error("undecodable notification dropped", "id", n.ID, "err", err)
		done(nil, "undecodable")
		return outcomeDone, 0
	}
	if m.State, err = s.o.Store.IntegrationState(ctx, recv, name, n.GroupKey); err != nil {
		if ctx.Err() != nil {
			return outcomeStopping, 0
		}
		return outcomePause, s.nextPause()
	}
	if s.o.Claim != nil {
		// As late as possible: a replica paused between this check and
		// the request below sends at most this one notification twice.
		err := s.o.Claim(ctx, n)
		switch {
		case errors.Is(err, state.ErrNotPending):
			s.log.Debug("notification already delivered; skipped", "id", n.ID, "group", n.GroupKey)
			return outcomeDone, 0
		case errors.Is(err, state.ErrFenced):
			s.claimCond.Fail(s.log, slog.LevelWarn, "not sending: this replica is no longer the leader", "err", err)
			return outcomePause, s.nextPause()
		case err != nil:
			if ctx.Err() != nil {
				return outcomeStopping, 0
			}
			s.claimCond.Fail(s.log, slog.LevelError, "checking leadership before sending failed; retrying with back-off", "err", err)
			return outcomePause, s.nextPause()
		}
		s.claimCond.OK(s.log, "sending again")
	}
	s.mu.Lock()
	r := s.retrying[n.GroupKey]
	retried := r != nil && r.bo.failures > 0
	s.mu.Unlock()
	if retried {
		s.metrics.retried.WithLabelValues(recv, name).Inc()
	}
	retry, err := s.o.Integration.Integration.Notify(ctx, m)
	if err == nil {
		s.metrics.sent.WithLabelValues(recv, name).Inc()
		s.metrics.latency.WithLabelValues(recv, name).Observe(time.Since(n.CreatedAt).Seconds())
		if !done(m.State, "delivered") {
			// Retried as a whole: the store (or the term) is the problem.
			return outcomePause, s.nextPause()
		}
		s.mu.Lock()
		s.bo.reset()
		s.mu.Unlock()
		return outcomeDone, 0
	}
	if ctx.Err() != nil {
		return outcomeStopping, 0
	}
	if retry && time.Since(n.CreatedAt) < s.o.MaxAge {
		s.metrics.failed.WithLabelValues(recv, name, reasonRetryable).Inc()
		s.mu.Lock()
		r := s.groupBackoff(n.GroupKey)
		wait := r.bo.next()
		ra, ok := RetryAfter(err)
		if ok && ra > 0 {
			// The receiver asked the whole endpoint to slow down.
			wait = max(wait, ra)
			r.until = time.Now().Add(wait)
		}
		s.mu.Unlock()
		if ok && ra > 0 {
			s.log.Warn("notification failed; the receiver asked to wait, so this integration waits", "group", n.GroupKey, "err", err, "retry_in", wait)
			return outcomePause, wait
		}
		s.log.Warn("notification failed; its group will retry, other groups go on", "group", n.GroupKey, "err", err, "retry_in", wait)
		return outcomeRetryGroup, wait
	}
	s.metrics.failed.WithLabelValues(recv, name, reasonPermanent).Inc()
	s.log.Error("notification failed permanently; giving up", "group", n.GroupKey, "err", err, "age", time.Since(n.CreatedAt).Round(time.Second))
	if !done(m.State, "failed") {
		return outcomePause, s.nextPause()
	}
	return outcomeDone, 0
}
