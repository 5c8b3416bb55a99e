package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/state"
)

// replicaRetention is how long a replica that stopped reporting stays in
// the table before a heartbeat of another deletes it.
const replicaRetention = time.Hour

// Heartbeat records that replica r is alive now (by PostgreSQL's clock),
// and forgets replicas silent for an hour.
func (s *Store) Heartbeat(ctx context.Context, r state.Replica) error {
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO replicas (id, name, address, started_at, seen_at) VALUES ($1, $2, $3, now(), now())
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, seen_at = now()`, r.ID, r.Name, r.Address)
	b.Queue(`DELETE FROM replicas WHERE seen_at < now() - $1 * interval '1 microsecond'`, micros(replicaRetention))
	return wrap(ctx, s.send(ctx, b), "recording heartbeat")
}

// Replicas lists the replicas seen within the last within, by name, with
// the one that holds the lease marked Leader.
func (s *Store) Replicas(ctx context.Context, within time.Duration) ([]state.Replica, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, r.name, r.address, r.id = l.holder AND l.expires_at > now(),
			GREATEST(0, (extract(epoch FROM now() - r.seen_at) * 1e6)::bigint)
		FROM replicas r CROSS JOIN lease l
		WHERE r.seen_at > now() - $1 * interval '1 microsecond' ORDER BY r.name, r.id`, micros(within))
	if err != nil {
		return nil, wrap(ctx, err, "listing replicas")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (state.Replica, error) {
		var (
			r   state.Replica
			ago int64
		)
		err := row.Scan(&r.ID, &r.Name, &r.Address, &r.Leader, &ago)
		r.SeenAgo = fromMicros(ago)
		return r, err
	})
	if err != nil {
		return nil, wrap(ctx, err, "listing replicas")
	}
	return out, nil
}

// RemoveReplica deletes a replica that is leaving (a clean shutdown).
func (s *Store) RemoveReplica(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM replicas WHERE id = $1`, id)
	return wrap(ctx, err, "removing replica")
}
