package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/state"
)

// The change topics: what another replica must reload when it changes.
const (
	topicSilences = state.TopicSilences
	topicAcks     = state.TopicAcks
	topicWindows  = state.TopicWindows
	topicAlerts   = state.TopicAlerts
	topicLease    = state.TopicLease
)

// notifyChannel is the LISTEN/NOTIFY channel; the payload is the topic.
const notifyChannel = "alerter_changes"

// queueBump bumps topic's version and queues a NOTIFY, both part of the
// batch's transaction: PostgreSQL delivers the notification only if it
// commits, and a replica that missed it sees the version move.
func queueBump(b *pgx.Batch, topic string) {
	b.Queue(`WITH v AS (UPDATE change_versions SET version = version + 1 WHERE topic = $1 RETURNING topic)
		SELECT pg_notify('`+notifyChannel+`', topic) FROM v`, topic)
}

// ChangeVersions returns each topic's version, which grows with every
// committed change: replicas poll it, as a fallback for notifications
// lost while their LISTEN connection was down.
func (s *Store) ChangeVersions(ctx context.Context) (map[string]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT topic, version FROM change_versions`)
	if err != nil {
		return nil, wrap(ctx, err, "reading change versions")
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var (
			t string
			v int64
		)
		if err := rows.Scan(&t, &v); err != nil {
			return nil, wrap(ctx, err, "reading change versions")
		}
		out[t] = v
	}
	return out, wrap(ctx, rows.Err(), "reading change versions")
}

// listenCheck is how long ListenChanges waits for a notification before it
// checks that its connection still works.
const listenCheck = 30 * time.Second

// ListenChanges calls fn with the topic of every change committed by any
// replica (this one included), on a connection of its own, until ctx ends;
// then it returns nil. It calls fn("") each time it starts listening, at
// first and after a reconnection, since changes may have been missed
// meanwhile. A lost connection is retried with back-off, and logged once
// when lost and once when back.
func (s *Store) ListenChanges(ctx context.Context, fn func(topic string)) error {
	delay := 100 * time.Millisecond
	down := false
	for ctx.Err() == nil {
		err := s.listen(ctx, func(topic string) {
			if down {
				s.log.Info("listening for changes again", "database", s.target)
				down = false
			}
			delay = 100 * time.Millisecond
			fn(topic)
		})
		if ctx.Err() != nil {
			break
		}
		if !down {
			s.log.Warn("lost the connection that listens for other replicas' changes; retrying (changes are polled meanwhile)",
				"database", s.target, "err", err)
			down = true
		}
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
	return nil
}

// listen runs one LISTEN connection until it fails or ctx ends.
func (s *Store) listen(ctx context.Context, fn func(topic string)) error {
	conn, err := pgx.ConnectConfig(ctx, s.connCf)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	fn("")
	for {
		wctx, cancel := context.WithTimeout(ctx, listenCheck)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			fn(n.Payload)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			// Quiet for a while: make sure the connection is alive.
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}
