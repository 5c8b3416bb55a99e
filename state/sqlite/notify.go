package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/internal/codec"
)

var _ state.NotifyStore = (*Store)(nil)

// notifyMigrations are the notification side's tables, appended to
// migrations() (steps are never edited once released).
func notifyMigrations() []string {
	return []string{
		// 6
		`CREATE TABLE nflog (
			receiver    TEXT    NOT NULL,
			integration TEXT    NOT NULL,
			group_key   TEXT    NOT NULL,
			firing      TEXT    NOT NULL, -- JSON array of fingerprints
			resolved    TEXT    NOT NULL,
			sent_at     INTEGER NOT NULL,
			PRIMARY KEY (receiver, integration, group_key)
		) STRICT`,
		// 7
		`CREATE TABLE notifications (
			id           INTEGER PRIMARY KEY AUTOINCREMENT,
			receiver     TEXT    NOT NULL,
			integration  TEXT    NOT NULL,
			group_key    TEXT    NOT NULL,
			message      BLOB    NOT NULL,
			created_at   INTEGER NOT NULL,
			delivered_at INTEGER
		) STRICT`,
		// 8
		`CREATE INDEX notifications_pending ON notifications (receiver, integration, id) WHERE delivered_at IS NULL`,
		// 9
		`CREATE TABLE integration_state (
			receiver    TEXT NOT NULL,
			integration TEXT NOT NULL,
			group_key   TEXT NOT NULL,
			state       TEXT NOT NULL,
			PRIMARY KEY (receiver, integration, group_key)
		) STRICT`,
	}
}

// LoadNflog returns every notification log entry.
func (s *Store) LoadNflog(ctx context.Context) ([]state.NflogEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT receiver, integration, group_key, firing, resolved, acked, flapping, sent_at FROM nflog`)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: reading nflog: %w", err)
	}
	defer rows.Close()
	var out []state.NflogEntry
	for rows.Next() {
		var (
			e                                 state.NflogEntry
			firing, resolved, acked, flapping []byte
			sent                              int64
		)
		if err := rows.Scan(&e.Receiver, &e.Integration, &e.GroupKey, &firing, &resolved, &acked, &flapping, &sent); err != nil {
			return nil, fmt.Errorf("sqlite state: reading nflog: %w", err)
		}
		var err error
		if e.Firing, err = codec.DecodeFingerprints(firing); err != nil {
			return nil, fmt.Errorf("sqlite state: nflog firing: %w", err)
		}
		if e.Resolved, err = codec.DecodeFingerprints(resolved); err != nil {
			return nil, fmt.Errorf("sqlite state: nflog resolved: %w", err)
		}
		if e.Acked, err = codec.DecodeFingerprints(acked); err != nil {
			return nil, fmt.Errorf("sqlite state: nflog acked: %w", err)
		}
		if e.Flapping, err = codec.DecodeFingerprints(flapping); err != nil {
			return nil, fmt.Errorf("sqlite state: nflog flapping: %w", err)
		}
		e.SentAt = codec.DecodeTime(sent)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ApplyFlush stores a flush in one transaction.
func (s *Store) ApplyFlush(ctx context.Context, f *state.Flush) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite state: flush: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
				err = fmt.Errorf("%w (%w)", err, ctx.Err())
			}
		}
	}()
	for _, e := range f.Nflog {
		firing, resolved, acked := codec.EncodeFingerprints(e.Firing), codec.EncodeFingerprints(e.Resolved), codec.EncodeFingerprints(e.Acked)
		flapping := codec.EncodeFingerprints(e.Flapping)
		sent, err := codec.EncodeTime(e.SentAt)
		if err != nil {
			return fmt.Errorf("sqlite state: nflog: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO nflog (receiver, integration, group_key, firing, resolved, acked, flapping, sent_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (receiver, integration, group_key)
			DO UPDATE SET firing = excluded.firing, resolved = excluded.resolved, acked = excluded.acked,
				flapping = excluded.flapping, sent_at = excluded.sent_at`,
			e.Receiver, e.Integration, e.GroupKey, firing, resolved, acked, flapping, sent); err != nil {
			return fmt.Errorf("sqlite state: nflog: %w", err)
		}
	}
	for _, e := range f.DeleteNflog {
		if _, err := tx.ExecContext(ctx, `DELETE FROM nflog WHERE receiver = ? AND integration = ? AND group_key = ?`,
			e.Receiver, e.Integration, e.GroupKey); err != nil {
			return fmt.Errorf("sqlite state: nflog: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM integration_state WHERE receiver = ? AND integration = ? AND group_key = ?`,
			e.Receiver, e.Integration, e.GroupKey); err != nil {
			return fmt.Errorf("sqlite state: integration state: %w", err)
		}
	}
	at, err := codec.EncodeTime(f.At)
	if err != nil {
		return fmt.Errorf("sqlite state: flush time: %w", err)
	}
	for _, n := range f.Notifications {
		created, err := codec.EncodeTime(n.CreatedAt)
		if err != nil {
			return fmt.Errorf("sqlite state: notification: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO notifications (receiver, integration, group_key, message, created_at) VALUES (?, ?, ?, ?, ?)`,
			n.Receiver, n.Integration, n.GroupKey, n.Message, created)
		if err != nil {
			return fmt.Errorf("sqlite state: notification: %w", err)
		}
		if n.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("sqlite state: notification: %w", err)
		}
	}
	if err := applyEscalations(ctx, tx, f); err != nil {
		return err
	}
	if err := s.noteEpisodes(ctx, tx, f.EpisodeNotes); err != nil {
		return err
	}
	if err := markDelivered(ctx, tx, at, f.ConsumedEvents); err != nil {
		return fmt.Errorf("sqlite state: consuming events: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite state: flush: %w", err)
	}
	return nil
}

// PendingNotifications returns one integration's undelivered notifications,
// oldest first, except those of skipGroups.
func (s *Store) PendingNotifications(ctx context.Context, receiver, integration string, limit int, skipGroups ...string) ([]*state.Notification, error) {
	q := `SELECT id, group_key, message, created_at FROM notifications
		WHERE delivered_at IS NULL AND receiver = ? AND integration = ?`
	args := []any{receiver, integration}
	if len(skipGroups) > 0 {
		skip, err := json.Marshal(skipGroups)
		if err != nil {
			return nil, fmt.Errorf("sqlite state: reading notifications: %w", err)
		}
		q += ` AND group_key NOT IN (SELECT value FROM json_each(?))`
		args = append(args, string(skip))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: reading notifications: %w", err)
	}
	defer rows.Close()
	var out []*state.Notification
	for rows.Next() {
		n := &state.Notification{Receiver: receiver, Integration: integration}
		var created int64
		if err := rows.Scan(&n.ID, &n.GroupKey, &n.Message, &created); err != nil {
			return nil, fmt.Errorf("sqlite state: reading notifications: %w", err)
		}
		n.CreatedAt = codec.DecodeTime(created)
		out = append(out, n)
	}
	return out, rows.Err()
}

// CompleteNotification marks n delivered and saves the integration state.
func (s *Store) CompleteNotification(ctx context.Context, n *state.Notification, at time.Time, st map[string]string) (err error) {
	ts, err := codec.EncodeTime(at)
	if err != nil {
		return fmt.Errorf("sqlite state: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite state: completing notification: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err = tx.ExecContext(ctx, `UPDATE notifications SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL`, ts, n.ID); err != nil {
		return fmt.Errorf("sqlite state: completing notification: %w", err)
	}
	if st != nil {
		if _, err = tx.ExecContext(ctx, `INSERT INTO integration_state (receiver, integration, group_key, state) VALUES (?, ?, ?, ?)
			ON CONFLICT (receiver, integration, group_key) DO UPDATE SET state = excluded.state`,
			n.Receiver, n.Integration, n.GroupKey, codec.EncodeIntegrationState(st)); err != nil {
			return fmt.Errorf("sqlite state: integration state: %w", err)
		}
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("sqlite state: completing notification: %w", err)
	}
	return nil
}

// IntegrationState returns the state an integration keeps for a group.
func (s *Store) IntegrationState(ctx context.Context, receiver, integration, groupKey string) (map[string]string, error) {
	var b string
	err := s.db.QueryRowContext(ctx, `SELECT state FROM integration_state WHERE receiver = ? AND integration = ? AND group_key = ?`,
		receiver, integration, groupKey).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite state: integration state: %w", err)
	}
	m, err := codec.DecodeIntegrationState([]byte(b))
	if err != nil {
		return nil, fmt.Errorf("sqlite state: integration state: %w", err)
	}
	return m, nil
}

// TrimNotifications bounds one integration's undelivered notifications.
func (s *Store) TrimNotifications(ctx context.Context, receiver, integration string, max int) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE delivered_at IS NULL AND receiver = ? AND integration = ?`,
		receiver, integration).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite state: counting notifications: %w", err)
	}
	if n <= max {
		return 0, nil
	}
	excess := n - max
	// Superseded first: an older message of a group that has a newer one
	// (every message carries the group's whole state).
	res, err := s.db.ExecContext(ctx, `DELETE FROM notifications WHERE id IN (
		SELECT a.id FROM notifications a WHERE a.delivered_at IS NULL AND a.receiver = ? AND a.integration = ?
		AND EXISTS (SELECT 1 FROM notifications b WHERE b.delivered_at IS NULL AND b.receiver = a.receiver
			AND b.integration = a.integration AND b.group_key = a.group_key AND b.id > a.id)
		ORDER BY a.id LIMIT ?)`, receiver, integration, excess)
	if err != nil {
		return 0, fmt.Errorf("sqlite state: trimming notifications: %w", err)
	}
	dropped, _ := res.RowsAffected()
	if int(dropped) < excess {
		res, err = s.db.ExecContext(ctx, `DELETE FROM notifications WHERE id IN (
			SELECT id FROM notifications WHERE delivered_at IS NULL AND receiver = ? AND integration = ? ORDER BY id LIMIT ?)`,
			receiver, integration, excess-int(dropped))
		if err != nil {
			return int(dropped), fmt.Errorf("sqlite state: trimming notifications: %w", err)
		}
		more, _ := res.RowsAffected()
		dropped += more
	}
	return int(dropped), nil
}

// NotificationDepth counts undelivered notifications by receiver.
func (s *Store) NotificationDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT receiver, count(*) FROM notifications WHERE delivered_at IS NULL GROUP BY receiver`)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: notification depth: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var r string
		var n int
		if err := rows.Scan(&r, &n); err != nil {
			return nil, err
		}
		out[r] = n
	}
	return out, rows.Err()
}

// PruneNotifications deletes notifications delivered (or given up) before
// olderThan; undelivered ones are never pruned.
func (s *Store) PruneNotifications(ctx context.Context, olderThan time.Time) (int64, error) {
	cutoff, err := codec.EncodeTime(olderThan)
	if err != nil {
		return 0, fmt.Errorf("sqlite state: pruning notifications: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM notifications WHERE delivered_at IS NOT NULL AND delivered_at < ?`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("sqlite state: pruning notifications: %w", err)
	}
	return res.RowsAffected()
}

// PendingCount counts one integration's undelivered notifications.
func (s *Store) PendingCount(ctx context.Context, receiver, integration string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE delivered_at IS NULL AND receiver = ? AND integration = ?`,
		receiver, integration).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite state: counting notifications: %w", err)
	}
	return n, nil
}
