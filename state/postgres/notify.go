package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/internal/codec"
)

var _ state.NotifyStore = (*Store)(nil)

// LoadNflog returns every notification log entry.
func (s *Store) LoadNflog(ctx context.Context) ([]state.NflogEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT receiver, integration, group_key, firing, resolved, acked, flapping, sent_at FROM nflog`)
	if err != nil {
		return nil, wrap(ctx, err, "reading nflog")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (state.NflogEntry, error) {
		var (
			e                                 state.NflogEntry
			firing, resolved, acked, flapping []byte
			sent                              int64
		)
		if err := r.Scan(&e.Receiver, &e.Integration, &e.GroupKey, &firing, &resolved, &acked, &flapping, &sent); err != nil {
			return e, err
		}
		var err error
		if e.Firing, err = codec.DecodeFingerprints(firing); err != nil {
			return e, fmt.Errorf("nflog firing: %w", err)
		}
		if e.Resolved, err = codec.DecodeFingerprints(resolved); err != nil {
			return e, fmt.Errorf("nflog resolved: %w", err)
		}
		if e.Acked, err = codec.DecodeFingerprints(acked); err != nil {
			return e, fmt.Errorf("nflog acked: %w", err)
		}
		if e.Flapping, err = codec.DecodeFingerprints(flapping); err != nil {
			return e, fmt.Errorf("nflog flapping: %w", err)
		}
		e.SentAt = codec.DecodeTime(sent)
		return e, nil
	})
	if err != nil {
		return nil, wrap(ctx, err, "reading nflog")
	}
	return out, nil
}

// ApplyFlush stores a flush in one transaction; notification IDs are
// assigned in place once it has committed.
func (s *Store) ApplyFlush(ctx context.Context, f *state.Flush) error { return s.applyFlush(ctx, f, 0) }

func (s *Store) applyFlush(ctx context.Context, f *state.Flush, epoch int64) error {
	b := &pgx.Batch{}
	queueFence(b, epoch)
	for _, e := range f.Nflog {
		sent, err := codec.EncodeTime(e.SentAt)
		if err != nil {
			return fmt.Errorf("postgres state: nflog: %w", err)
		}
		b.Queue(`INSERT INTO nflog (receiver, integration, group_key, firing, resolved, acked, flapping, sent_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (receiver, integration, group_key)
			DO UPDATE SET firing = excluded.firing, resolved = excluded.resolved, acked = excluded.acked,
				flapping = excluded.flapping, sent_at = excluded.sent_at`,
			e.Receiver, e.Integration, e.GroupKey, codec.EncodeFingerprints(e.Firing), codec.EncodeFingerprints(e.Resolved),
			codec.EncodeFingerprints(e.Acked), codec.EncodeFingerprints(e.Flapping), sent)
	}
	for _, e := range f.DeleteNflog {
		b.Queue(`DELETE FROM nflog WHERE receiver = $1 AND integration = $2 AND group_key = $3`, e.Receiver, e.Integration, e.GroupKey)
		b.Queue(`DELETE FROM integration_state WHERE receiver = $1 AND integration = $2 AND group_key = $3`, e.Receiver, e.Integration, e.GroupKey)
	}
	at, err := codec.EncodeTime(f.At)
	if err != nil {
		return fmt.Errorf("postgres state: flush time: %w", err)
	}
	ids := make([]int64, len(f.Notifications))
	for i, n := range f.Notifications {
		created, err := codec.EncodeTime(n.CreatedAt)
		if err != nil {
			return fmt.Errorf("postgres state: notification: %w", err)
		}
		b.Queue(`INSERT INTO notifications (receiver, integration, group_key, message, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			n.Receiver, n.Integration, n.GroupKey, n.Message, created).QueryRow(func(row pgx.Row) error { return row.Scan(&ids[i]) })
	}
	for _, e := range f.Escalations {
		var ts [3]int64
		for i, t := range []time.Time{e.Start, e.LastAt, e.PausedAt} {
			if ts[i], err = codec.EncodeTime(t); err != nil {
				return fmt.Errorf("postgres state: escalation: %w", err)
			}
		}
		b.Queue(`INSERT INTO escalations (group_key, reached, start, last_at, paused_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (group_key) DO UPDATE SET reached = excluded.reached, start = excluded.start,
			last_at = excluded.last_at, paused_at = excluded.paused_at`, e.GroupKey, e.Reached, ts[0], ts[1], ts[2])
	}
	if len(f.DeleteEscalations) > 0 {
		b.Queue(`DELETE FROM escalations WHERE group_key = ANY($1)`, f.DeleteEscalations)
	}
	if err := queueEpisodeNotes(b, f.EpisodeNotes); err != nil {
		return err
	}
	if len(f.ConsumedEvents) > 0 {
		b.Queue(markDeliveredSQL, at, f.ConsumedEvents)
	}
	if err := s.send(ctx, b); err != nil {
		return wrap(ctx, err, "flush")
	}
	for i, n := range f.Notifications {
		n.ID = ids[i]
	}
	return nil
}

// PendingNotifications returns up to limit of one integration's
// undelivered notifications, oldest first, except those of skipGroups.
func (s *Store) PendingNotifications(ctx context.Context, receiver, integration string, limit int, skipGroups ...string) ([]*state.Notification, error) {
	if skipGroups == nil {
		skipGroups = []string{}
	}
	rows, err := s.pool.Query(ctx, `SELECT id, group_key, message, created_at FROM notifications
		WHERE delivered_at IS NULL AND receiver = $1 AND integration = $2 AND NOT (group_key = ANY($4::text[]))
		ORDER BY id LIMIT $3`, receiver, integration, limit, skipGroups)
	if err != nil {
		return nil, wrap(ctx, err, "reading notifications")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*state.Notification, error) {
		n := &state.Notification{Receiver: receiver, Integration: integration}
		var created int64
		err := r.Scan(&n.ID, &n.GroupKey, &n.Message, &created)
		n.CreatedAt = codec.DecodeTime(created)
		return n, err
	})
	if err != nil {
		return nil, wrap(ctx, err, "reading notifications")
	}
	return out, nil
}

// CompleteNotification marks n delivered (keeping the first completion)
// and saves the integration's state for its group when st is not nil.
func (s *Store) CompleteNotification(ctx context.Context, n *state.Notification, at time.Time, st map[string]string) error {
	return s.completeNotification(ctx, n, at, st, 0)
}

func (s *Store) completeNotification(ctx context.Context, n *state.Notification, at time.Time, st map[string]string, epoch int64) error {
	ts, err := codec.EncodeTime(at)
	if err != nil {
		return fmt.Errorf("postgres state: %w", err)
	}
	b := &pgx.Batch{}
	queueFence(b, epoch)
	b.Queue(`UPDATE notifications SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL`, ts, n.ID)
	if st != nil {
		b.Queue(`INSERT INTO integration_state (receiver, integration, group_key, state) VALUES ($1, $2, $3, $4)
			ON CONFLICT (receiver, integration, group_key) DO UPDATE SET state = excluded.state`,
			n.Receiver, n.Integration, n.GroupKey, codec.EncodeIntegrationState(st))
	}
	return wrap(ctx, s.send(ctx, b), "completing notification %d", n.ID)
}

// IntegrationState returns the state an integration keeps for a group
// (empty, never nil, when it has none).
func (s *Store) IntegrationState(ctx context.Context, receiver, integration, groupKey string) (map[string]string, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT state FROM integration_state WHERE receiver = $1 AND integration = $2 AND group_key = $3`,
		receiver, integration, groupKey).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, wrap(ctx, err, "integration state")
	}
	m, err := codec.DecodeIntegrationState(b)
	if err != nil {
		return nil, fmt.Errorf("postgres state: integration state: %w", err)
	}
	return m, nil
}

// trimSQL deletes the excess of one integration's undelivered
// notifications beyond $3: first those superseded by a newer one of the
// same group (every message carries the group's whole state), oldest
// first, then the oldest.
const trimSQL = `WITH pend AS (
		SELECT id, row_number() OVER (PARTITION BY group_key ORDER BY id DESC) AS newer
		FROM notifications WHERE delivered_at IS NULL AND receiver = $1 AND integration = $2
	), victims AS (
		SELECT id FROM pend ORDER BY newer = 1, id
		LIMIT GREATEST((SELECT count(*) FROM pend) - $3, 0)
	)
	DELETE FROM notifications WHERE id IN (SELECT id FROM victims)`

// TrimNotifications bounds one integration's undelivered notifications to
// max and returns how many it dropped.
func (s *Store) TrimNotifications(ctx context.Context, receiver, integration string, max int) (int, error) {
	return s.trimNotifications(ctx, receiver, integration, max, 0)
}

func (s *Store) trimNotifications(ctx context.Context, receiver, integration string, max int, epoch int64) (int, error) {
	var dropped int64
	b := &pgx.Batch{}
	queueFence(b, epoch)
	b.Queue(trimSQL, receiver, integration, int64(max)).Exec(func(ct pgconn.CommandTag) error {
		dropped = ct.RowsAffected()
		return nil
	})
	if err := s.send(ctx, b); err != nil {
		return 0, wrap(ctx, err, "trimming notifications")
	}
	return int(dropped), nil
}

// NotificationDepth counts undelivered notifications by receiver.
func (s *Store) NotificationDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT receiver, count(*) FROM notifications WHERE delivered_at IS NULL GROUP BY receiver`)
	if err != nil {
		return nil, wrap(ctx, err, "notification depth")
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			r string
			n int
		)
		if err := rows.Scan(&r, &n); err != nil {
			return nil, wrap(ctx, err, "notification depth")
		}
		out[r] = n
	}
	return out, wrap(ctx, rows.Err(), "notification depth")
}

// PruneNotifications deletes notifications delivered (or given up) before
// olderThan; undelivered ones are never pruned.
func (s *Store) PruneNotifications(ctx context.Context, olderThan time.Time) (int64, error) {
	cutoff, err := codec.EncodeTime(olderThan)
	if err != nil {
		return 0, fmt.Errorf("postgres state: pruning notifications: %w", err)
	}
	ct, err := s.pool.Exec(ctx, `DELETE FROM notifications WHERE delivered_at IS NOT NULL AND delivered_at < $1`, cutoff)
	if err != nil {
		return 0, wrap(ctx, err, "pruning notifications")
	}
	return ct.RowsAffected(), nil
}

// PendingCount counts one integration's undelivered notifications.
func (s *Store) PendingCount(ctx context.Context, receiver, integration string) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE delivered_at IS NULL AND receiver = $1 AND integration = $2`,
		receiver, integration).Scan(&n); err != nil {
		return 0, wrap(ctx, err, "counting notifications")
	}
	return n, nil
}

// LoadEscalations returns every group's escalation state.
func (s *Store) LoadEscalations(ctx context.Context) ([]state.EscalationState, error) {
	rows, err := s.pool.Query(ctx, `SELECT group_key, reached, start, last_at, paused_at FROM escalations`)
	if err != nil {
		return nil, wrap(ctx, err, "reading escalations")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (state.EscalationState, error) {
		var (
			e                       state.EscalationState
			start, lastAt, pausedAt int64
		)
		err := r.Scan(&e.GroupKey, &e.Reached, &start, &lastAt, &pausedAt)
		e.Start, e.LastAt, e.PausedAt = codec.DecodeTime(start), codec.DecodeTime(lastAt), codec.DecodeTime(pausedAt)
		return e, err
	})
	if err != nil {
		return nil, wrap(ctx, err, "reading escalations")
	}
	return out, nil
}
