package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/state/internal/codec"
)

var (
	_ silence.Store       = (*Store)(nil)
	_ silence.WindowStore = (*Store)(nil)
	_ ack.Store           = (*Store)(nil)
)

// LoadSilences returns every stored silence, expired ones included,
// ordered by ID.
func (s *Store) LoadSilences(ctx context.Context) ([]*silence.Silence, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, data FROM silences ORDER BY id`)
	if err != nil {
		return nil, wrap(ctx, err, "reading silences")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*silence.Silence, error) {
		var (
			id   string
			data []byte
		)
		if err := r.Scan(&id, &data); err != nil {
			return nil, err
		}
		sil, err := codec.DecodeSilence(data)
		if err != nil {
			return nil, fmt.Errorf("silence %s: %w", id, err)
		}
		if sil.ID != id {
			return nil, fmt.Errorf("silence %s: row holds silence %q", id, sil.ID)
		}
		return sil, nil
	})
	if err != nil {
		return nil, wrap(ctx, err, "reading silences")
	}
	return out, nil
}

// SaveSilence inserts the silence or replaces the one with its ID, and
// tells the other replicas.
func (s *Store) SaveSilence(ctx context.Context, sil *silence.Silence) error {
	if sil.ID == "" {
		return fmt.Errorf("postgres state: saving silence: empty ID")
	}
	data, err := codec.EncodeSilence(sil)
	if err != nil {
		return fmt.Errorf("postgres state: saving silence %s: %w", sil.ID, err)
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO silences (id, data, ends_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, ends_at = excluded.ends_at`, sil.ID, string(data), sil.EndsAt)
	queueBump(b, topicSilences)
	return wrap(ctx, s.send(ctx, b), "saving silence %s", sil.ID)
}

// DeleteSilences deletes the silences with the given IDs, all or none;
// unknown IDs are ignored.
func (s *Store) DeleteSilences(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM silences WHERE id = ANY($1)`, ids)
	queueBump(b, topicSilences)
	return wrap(ctx, s.send(ctx, b), "deleting silences")
}

// LoadAcks returns every acknowledgement.
func (s *Store) LoadAcks(ctx context.Context) ([]*ack.Ack, error) {
	rows, err := s.pool.Query(ctx, `SELECT data FROM acks ORDER BY id`)
	if err != nil {
		return nil, wrap(ctx, err, "reading acknowledgements")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*ack.Ack, error) {
		var b []byte
		if err := r.Scan(&b); err != nil {
			return nil, err
		}
		a, err := codec.DecodeAck(b)
		if err != nil {
			return nil, fmt.Errorf("acknowledgement: %w", err)
		}
		return a, nil
	})
	if err != nil {
		return nil, wrap(ctx, err, "reading acknowledgements")
	}
	return out, nil
}

// SaveAck inserts or replaces an acknowledgement, and tells the other
// replicas.
func (s *Store) SaveAck(ctx context.Context, a *ack.Ack) error {
	data, err := codec.EncodeAck(a)
	if err != nil {
		return fmt.Errorf("postgres state: acknowledgement: %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO acks (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = excluded.data`, a.ID, string(data))
	queueBump(b, topicAcks)
	return wrap(ctx, s.send(ctx, b), "saving acknowledgement")
}

// DeleteAcks deletes acknowledgements by ID.
func (s *Store) DeleteAcks(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM acks WHERE id = ANY($1)`, ids)
	queueBump(b, topicAcks)
	return wrap(ctx, s.send(ctx, b), "deleting acknowledgements")
}

// LoadWindows returns the maintenance windows created through the API, in
// creation order.
func (s *Store) LoadWindows(ctx context.Context) ([]silence.Window, error) {
	rows, err := s.pool.Query(ctx, `SELECT data FROM maintenance_windows ORDER BY pos`)
	if err != nil {
		return nil, wrap(ctx, err, "reading maintenance windows")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (silence.Window, error) {
		var b []byte
		if err := r.Scan(&b); err != nil {
			return silence.Window{}, err
		}
		return codec.DecodeWindow(b)
	})
	if err != nil {
		return nil, wrap(ctx, err, "reading maintenance windows")
	}
	return out, nil
}

// SaveWindow stores a maintenance window created through the API, and
// tells the other replicas.
func (s *Store) SaveWindow(ctx context.Context, w silence.Window) error {
	data, err := codec.EncodeWindow(w)
	if err != nil {
		return fmt.Errorf("postgres state: maintenance window: %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO maintenance_windows (name, data) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET data = excluded.data`, w.Name, string(data))
	queueBump(b, topicWindows)
	return wrap(ctx, s.send(ctx, b), "saving maintenance window")
}

// DeleteWindow deletes a maintenance window created through the API.
func (s *Store) DeleteWindow(ctx context.Context, name string) error {
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM maintenance_windows WHERE name = $1`, name)
	queueBump(b, topicWindows)
	return wrap(ctx, s.send(ctx, b), "deleting maintenance window")
}
