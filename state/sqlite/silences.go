package sqlite

import (
	"context"
	"fmt"

	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/state/internal/codec"
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
		sil, err := codec.DecodeSilence(data)
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
	data, err := codec.EncodeSilence(sil)
	if err != nil {
		return fmt.Errorf("sqlite state: saving silence %s: %w", sil.ID, err)
	}
	endsAt, err := codec.EncodeTimeClamped(sil.EndsAt)
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
