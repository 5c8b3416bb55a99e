package sqlite

import (
	"context"
	"fmt"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/state/internal/codec"
)

var _ ack.Store = (*Store)(nil)

// LoadAcks returns every acknowledgement.
func (s *Store) LoadAcks(ctx context.Context) ([]*ack.Ack, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT data FROM acks`)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: reading acknowledgements: %w", err)
	}
	defer rows.Close()
	var out []*ack.Ack
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("sqlite state: reading acknowledgements: %w", err)
		}
		a, err := codec.DecodeAck(b)
		if err != nil {
			return nil, fmt.Errorf("sqlite state: acknowledgement: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SaveAck inserts or replaces an acknowledgement.
func (s *Store) SaveAck(ctx context.Context, a *ack.Ack) error {
	b, err := codec.EncodeAck(a)
	if err != nil {
		return fmt.Errorf("sqlite state: acknowledgement: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO acks (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
		a.ID, string(b)); err != nil {
		return fmt.Errorf("sqlite state: saving acknowledgement: %w", err)
	}
	return nil
}

// DeleteAcks deletes acknowledgements by ID.
func (s *Store) DeleteAcks(ctx context.Context, ids []string) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite state: deleting acknowledgements: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	for _, id := range ids {
		if _, err = tx.ExecContext(ctx, `DELETE FROM acks WHERE id = ?`, id); err != nil {
			return fmt.Errorf("sqlite state: deleting acknowledgements: %w", err)
		}
	}
	return tx.Commit()
}
