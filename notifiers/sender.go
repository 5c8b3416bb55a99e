package notifiers

import (
	"context"
	"errors"
	"log/slog"
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
}

// Sender delivers one integration's outbox in order: a notification is
// retried, with exponential back-off and jitter, until it is delivered,
// rejected for good, or older than MaxAge; later notifications wait, so a
// group's messages arrive in order once the receiver is back.
type Sender struct {
	o       SenderOptions
	log     *slog.Logger
	metrics *sendMetrics
	bo      backoff
	wake    chan struct{}
	// readCond and claimCond log outbox and claim failures once per
	// episode, not once per attempt.
	readCond, claimCond condlog.Condition
}

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
	s := &Sender{
		o:       o,
		log:     o.Logger.With("receiver", o.Receiver, "integration", o.Integration.Name),
		metrics: newSendMetrics(o.Registerer),
		bo:      backoff{initial: o.InitialBackoff, max: o.MaxBackoff},
		wake:    make(chan struct{}, 1),
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

// Run delivers until ctx ends. A Wake starts a pass at once, except
// during a back-off after a failure, which it never cuts short.
func (s *Sender) Run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		wait, failed := s.pass(ctx)
		if !failed {
			wait = s.o.PollInterval
		}
		timer.Reset(wait) // Go 1.23+ timers: no draining needed
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.wake:
			if failed {
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
			}
		}
	}
}

// pass sends pending notifications in order until the outbox is empty or
// an attempt fails; then it returns the back-off to wait.
func (s *Sender) pass(ctx context.Context) (time.Duration, bool) {
	recv, name := s.o.Receiver, s.o.Integration.Name
	for ctx.Err() == nil {
		pend, err := s.o.Store.PendingNotifications(ctx, recv, name, 50)
		if err != nil {
			if ctx.Err() == nil {
				s.readCond.Fail(s.log, slog.LevelError, "reading the outbox failed; retrying with back-off", "err", err)
			}
			return s.bo.next(), true
		}
		s.readCond.OK(s.log, "reading the outbox works again")
		if n, err := s.o.Store.PendingCount(ctx, recv, name); err == nil {
			s.metrics.depth.WithLabelValues(recv, name).Set(float64(n))
		}
		if len(pend) == 0 {
			return 0, false
		}
		for _, n := range pend {
			if wait, ok := s.deliver(ctx, n); !ok {
				return wait, true
			}
		}
	}
	return 0, false
}

// deliver sends one notification. It returns false with a wait when the
// attempt failed and must be retried.
func (s *Sender) deliver(ctx context.Context, n *state.Notification) (time.Duration, bool) {
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
		return 0, true
	}
	if m.State, err = s.o.Store.IntegrationState(ctx, recv, name, n.GroupKey); err != nil {
		return s.bo.next(), false
	}
	if s.o.Claim != nil {
		// As late as possible: a replica paused between this check and
		// the request below sends at most this one notification twice.
		err := s.o.Claim(ctx, n)
		switch {
		case errors.Is(err, state.ErrNotPending):
			s.log.Debug("notification already delivered; skipped", "id", n.ID, "group", n.GroupKey)
			return 0, true
		case errors.Is(err, state.ErrFenced):
			s.claimCond.Fail(s.log, slog.LevelWarn, "not sending: this replica is no longer the leader", "err", err)
			return s.bo.next(), false
		case err != nil:
			if ctx.Err() == nil {
				s.claimCond.Fail(s.log, slog.LevelError, "checking leadership before sending failed; retrying with back-off", "err", err)
			}
			return s.bo.next(), false
		}
		s.claimCond.OK(s.log, "sending again")
	}
	if s.bo.failures > 0 {
		s.metrics.retried.WithLabelValues(recv, name).Inc()
	}
	retry, err := s.o.Integration.Integration.Notify(ctx, m)
	if err == nil {
		s.bo.reset()
		s.metrics.sent.WithLabelValues(recv, name).Inc()
		s.metrics.latency.WithLabelValues(recv, name).Observe(time.Since(n.CreatedAt).Seconds())
		if !done(m.State, "delivered") {
			return s.bo.next(), false
		}
		return 0, true
	}
	if ctx.Err() != nil {
		return 0, false
	}
	if retry && time.Since(n.CreatedAt) < s.o.MaxAge {
		s.metrics.failed.WithLabelValues(recv, name, reasonRetryable).Inc()
		wait := s.bo.next()
		if ra, ok := RetryAfter(err); ok && ra > wait {
			wait = ra
		}
		s.log.Warn("notification failed; will retry", "group", n.GroupKey, "err", err, "retry_in", wait)
		return wait, false
	}
	s.bo.reset()
	s.metrics.failed.WithLabelValues(recv, name, reasonPermanent).Inc()
	s.log.Error("notification failed permanently; giving up", "group", n.GroupKey, "err", err, "age", time.Since(n.CreatedAt).Round(time.Second))
	done(m.State, "failed")
	return 0, true
}
