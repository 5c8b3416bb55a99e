package sqlite

import (
	"context"
	"fmt"

	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/state/internal/codec"
)

var _ silence.WindowStore = (*Store)(nil)

// LoadWindows returns the maintenance windows created through the API, in
// creation order.
func (s *Store) LoadWindows(ctx context.Context) ([]silence.Window, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT data FROM maintenance_windows ORDER BY rowid`)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: reading maintenance windows: %w", err)
	}
	defer rows.Close()
	var out []silence.Window
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("sqlite state: reading maintenance windows: %w", err)
		}
		w, err := codec.DecodeWindow(b)
		if err != nil {
			return nil, fmt.Errorf("sqlite state: maintenance window: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// SaveWindow stores a maintenance window created through the API.
func (s *Store) SaveWindow(ctx context.Context, w silence.Window) error {
	b, err := codec.EncodeWindow(w)
	if err != nil {
		return fmt.Errorf("sqlite state: maintenance window: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO maintenance_windows (name, data) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET data = excluded.data`, w.Name, string(b)); err != nil {
		return fmt.Errorf("sqlite state: saving maintenance window: %w", err)
	}
	return nil
}

// DeleteWindow deletes a maintenance window created through the API.
func (s *Store) DeleteWindow(ctx context.Context, name string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM maintenance_windows WHERE name = ?`, name); err != nil {
		return fmt.Errorf("sqlite state: deleting maintenance window: %w", err)
	}
	return nil
}
