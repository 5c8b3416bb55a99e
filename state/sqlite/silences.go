package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
)

var _ silence.Store = (*Store)(nil)

// silenceMigrations are the silences' table, appended to migrations()
// (steps are never edited once released).
func silenceMigrations() []string {
	return []string{
		// 10: one row per silence; data is a silenceRecord. ends_at lets an
		// operator (or a later step) find old expired silences in SQL; it
		// saturates at math.MaxInt64 (2262-04-11) for silences that end
		// later, whose exact end is in data (see encodeTimeClamped).
		`CREATE TABLE silences (
			id      TEXT    NOT NULL PRIMARY KEY,
			data    TEXT    NOT NULL,
			ends_at INTEGER NOT NULL
		) STRICT`,
	}
}

// silenceRecord is a silence as stored: JSON with the matchers in the
// Alertmanager v2 API's shape, so that a row reads like the API's silence.
type silenceRecord struct {
	ID            string               `json:"id"`
	Matchers      []matcher.APIMatcher `json:"matchers"`
	StartsAt      time.Time            `json:"startsAt"`
	EndsAt        time.Time            `json:"endsAt"`
	UpdatedAt     time.Time            `json:"updatedAt"`
	CreatedBy     string               `json:"createdBy"`
	Comment       string               `json:"comment"`
	UntilResolved bool                 `json:"untilResolved,omitempty"`
	MatchedOnce   bool                 `json:"matchedOnce,omitempty"`
}

func encodeSilence(s *silence.Silence) ([]byte, error) {
	r := silenceRecord{
		ID:            s.ID,
		Matchers:      make([]matcher.APIMatcher, 0, len(s.Matchers)),
		StartsAt:      s.StartsAt,
		EndsAt:        s.EndsAt,
		UpdatedAt:     s.UpdatedAt,
		CreatedBy:     s.CreatedBy,
		Comment:       s.Comment,
		UntilResolved: s.UntilResolved,
		MatchedOnce:   s.MatchedOnce,
	}
	for i, m := range s.Matchers {
		if m == nil {
			return nil, fmt.Errorf("matcher %d is missing", i)
		}
		r.Matchers = append(r.Matchers, matcher.FromMatcher(m))
	}
	return json.Marshal(r)
}

func decodeSilence(b []byte) (*silence.Silence, error) {
	var r silenceRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	s := &silence.Silence{
		ID:            r.ID,
		Matchers:      make(matcher.Matchers, 0, len(r.Matchers)),
		StartsAt:      r.StartsAt.UTC(),
		EndsAt:        r.EndsAt.UTC(),
		UpdatedAt:     r.UpdatedAt.UTC(),
		CreatedBy:     r.CreatedBy,
		Comment:       r.Comment,
		UntilResolved: r.UntilResolved,
		MatchedOnce:   r.MatchedOnce,
	}
	for i, am := range r.Matchers {
		m, err := am.ToMatcher()
		if err != nil {
			return nil, fmt.Errorf("matcher %d: %w", i, err)
		}
		s.Matchers = append(s.Matchers, m)
	}
	return s, nil
}

// LoadSilences returns every stored silence, expired ones included.
func (s *Store) LoadSilences(ctx context.Context) ([]*silence.Silence, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, data FROM silences ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: reading silences: %w", err)
	}
	defer rows.Close()
	var out []*silence.Silence
	for rows.Next() {
		var (
			id   string
			data []byte
		)
		if err := rows.Scan(&id, &data); err != nil {
			return nil, fmt.Errorf("sqlite state: reading silences: %w", err)
		}
		sil, err := decodeSilence(data)
		if err != nil {
			return nil, fmt.Errorf("sqlite state: silence %s: %w", id, err)
		}
		if sil.ID != id {
			return nil, fmt.Errorf("sqlite state: silence %s: row holds silence %q", id, sil.ID)
		}
		out = append(out, sil)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite state: reading silences: %w", err)
	}
	return out, nil
}

// SaveSilence inserts the silence or replaces the one with its ID.
func (s *Store) SaveSilence(ctx context.Context, sil *silence.Silence) error {
	if sil.ID == "" {
		return fmt.Errorf("sqlite state: saving silence: empty ID")
	}
	data, err := encodeSilence(sil)
	if err != nil {
		return fmt.Errorf("sqlite state: saving silence %s: %w", sil.ID, err)
	}
	endsAt, err := encodeTimeClamped(sil.EndsAt)
	if err != nil {
		return fmt.Errorf("sqlite state: saving silence %s: %w", sil.ID, err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO silences (id, data, ends_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, ends_at = excluded.ends_at`,
		sil.ID, string(data), endsAt); err != nil {
		return fmt.Errorf("sqlite state: saving silence %s: %w", sil.ID, err)
	}
	return nil
}

// DeleteSilences deletes the silences with the given IDs, all or none;
// unknown IDs are ignored.
func (s *Store) DeleteSilences(ctx context.Context, ids []string) (err error) {
	if len(ids) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite state: deleting silences: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	for _, id := range ids {
		if _, err = tx.ExecContext(ctx, `DELETE FROM silences WHERE id = ?`, id); err != nil {
			return fmt.Errorf("sqlite state: deleting silence %s: %w", id, err)
		}
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("sqlite state: deleting silences: %w", err)
	}
	return nil
}
