package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/internal/codec"
)

// ackMigrations are the acknowledgement and escalation tables, appended to
// migrations() after the silences' (steps are never edited once released).
func ackMigrations() []string {
	return []string{
		// 11: which acknowledged fingerprints an integration was told of.
		`ALTER TABLE nflog ADD COLUMN acked TEXT NOT NULL DEFAULT '[]'`,
		// 12: one row per alert group that has escalated.
		`CREATE TABLE escalations (
			group_key TEXT    NOT NULL PRIMARY KEY,
			reached   INTEGER NOT NULL,
			start     INTEGER NOT NULL,
			last_at   INTEGER NOT NULL,
			paused_at INTEGER NOT NULL
		) STRICT`,
		// 13: one row per acknowledgement; data is an ackRecord.
		`CREATE TABLE acks (
			id   TEXT NOT NULL PRIMARY KEY,
			data TEXT NOT NULL
		) STRICT`,
		// 14: maintenance windows created through the API; data is a
		// windowRecord.
		`CREATE TABLE maintenance_windows (
			name TEXT NOT NULL PRIMARY KEY,
			data TEXT NOT NULL
		) STRICT`,
	}
}

// LoadEscalations returns every group's escalation state.
func (s *Store) LoadEscalations(ctx context.Context) ([]state.EscalationState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT group_key, reached, start, last_at, paused_at FROM escalations`)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: reading escalations: %w", err)
	}
	defer rows.Close()
	var out []state.EscalationState
	for rows.Next() {
		var (
			e                       state.EscalationState
			start, lastAt, pausedAt int64
		)
		if err := rows.Scan(&e.GroupKey, &e.Reached, &start, &lastAt, &pausedAt); err != nil {
			return nil, fmt.Errorf("sqlite state: reading escalations: %w", err)
		}
		e.Start, e.LastAt, e.PausedAt = codec.DecodeTime(start), codec.DecodeTime(lastAt), codec.DecodeTime(pausedAt)
		out = append(out, e)
	}
	return out, rows.Err()
}

func applyEscalations(ctx context.Context, tx *sql.Tx, f *state.Flush) error {
	for _, e := range f.Escalations {
		start, err := codec.EncodeTime(e.Start)
		if err != nil {
			return fmt.Errorf("sqlite state: escalation: %w", err)
		}
		last, err := codec.EncodeTime(e.LastAt)
		if err != nil {
			return fmt.Errorf("sqlite state: escalation: %w", err)
		}
		paused, err := codec.EncodeTime(e.PausedAt)
		if err != nil {
			return fmt.Errorf("sqlite state: escalation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO escalations (group_key, reached, start, last_at, paused_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (group_key) DO UPDATE SET reached = excluded.reached, start = excluded.start,
			last_at = excluded.last_at, paused_at = excluded.paused_at`,
			e.GroupKey, e.Reached, start, last, paused); err != nil {
			return fmt.Errorf("sqlite state: escalation: %w", err)
		}
	}
	for _, gk := range f.DeleteEscalations {
		if _, err := tx.ExecContext(ctx, `DELETE FROM escalations WHERE group_key = ?`, gk); err != nil {
			return fmt.Errorf("sqlite state: escalation: %w", err)
		}
	}
	return nil
}
