package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/matcher"
)

var _ ack.Store = (*Store)(nil)

// ackRecord is an acknowledgement as stored (JSON in acks.data).
type ackRecord struct {
	alert.Ack
	Matchers []matcher.APIMatcher `json:"matchers,omitempty"`
	Targets  []ackTarget          `json:"targets"`
	EndedAt  time.Time            `json:"ended_at,omitzero"`
}

type ackTarget struct {
	RuleID      string            `json:"rule_id"`
	ID          model.Fingerprint `json:"id"`
	Fingerprint model.Fingerprint `json:"fingerprint"`
	FiredAt     time.Time         `json:"fired_at"`
}

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
		a, err := decodeAck(b)
		if err != nil {
			return nil, fmt.Errorf("sqlite state: acknowledgement: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SaveAck inserts or replaces an acknowledgement.
func (s *Store) SaveAck(ctx context.Context, a *ack.Ack) error {
	r := ackRecord{Ack: a.Ack, EndedAt: a.EndedAt, Targets: make([]ackTarget, 0, len(a.Targets))}
	for _, m := range a.Matchers {
		r.Matchers = append(r.Matchers, matcher.FromMatcher(m))
	}
	for _, t := range a.Targets {
		r.Targets = append(r.Targets, ackTarget{RuleID: t.Key.RuleID, ID: t.Key.ID, Fingerprint: t.Fingerprint, FiredAt: t.FiredAt})
	}
	b, err := json.Marshal(r)
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

func decodeAck(b []byte) (*ack.Ack, error) {
	var r ackRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	a := &ack.Ack{Ack: r.Ack, EndedAt: r.EndedAt}
	a.At = a.At.UTC()
	if !a.ExpiresAt.IsZero() {
		a.ExpiresAt = a.ExpiresAt.UTC()
	}
	for i, am := range r.Matchers {
		m, err := am.ToMatcher()
		if err != nil {
			return nil, fmt.Errorf("matcher %d: %w", i, err)
		}
		a.Matchers = append(a.Matchers, m)
	}
	for _, t := range r.Targets {
		a.Targets = append(a.Targets, ack.Target{Key: alert.Key{RuleID: t.RuleID, ID: t.ID}, Fingerprint: t.Fingerprint, FiredAt: t.FiredAt.UTC()})
	}
	return a, nil
}
