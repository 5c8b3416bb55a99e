package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
)

var _ silence.WindowStore = (*Store)(nil)

// windowRecord is a maintenance window as stored (JSON).
type windowRecord struct {
	Name      string               `json:"name"`
	Schedule  string               `json:"schedule"`
	Duration  model.Duration       `json:"duration"`
	TimeZone  string               `json:"timeZone,omitempty"`
	Matchers  []matcher.APIMatcher `json:"matchers"`
	CreatedBy string               `json:"createdBy,omitempty"`
	Comment   string               `json:"comment,omitempty"`
}

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
		var r windowRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("sqlite state: maintenance window: %w", err)
		}
		w := silence.Window{Name: r.Name, Schedule: r.Schedule, Duration: r.Duration, TimeZone: r.TimeZone,
			CreatedBy: r.CreatedBy, Comment: r.Comment}
		for i, am := range r.Matchers {
			m, err := am.ToMatcher()
			if err != nil {
				return nil, fmt.Errorf("sqlite state: maintenance window %q matcher %d: %w", r.Name, i, err)
			}
			w.Matchers = append(w.Matchers, m)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// SaveWindow stores a maintenance window created through the API.
func (s *Store) SaveWindow(ctx context.Context, w silence.Window) error {
	r := windowRecord{Name: w.Name, Schedule: w.Schedule, Duration: w.Duration, TimeZone: w.TimeZone,
		CreatedBy: w.CreatedBy, Comment: w.Comment, Matchers: []matcher.APIMatcher{}}
	for _, m := range w.Matchers {
		r.Matchers = append(r.Matchers, matcher.FromMatcher(m))
	}
	b, err := json.Marshal(r)
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
