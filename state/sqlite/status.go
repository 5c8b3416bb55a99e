package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/internal/codec"
)

// statusMigrations are the high-availability steps, appended to
// migrations() after the acknowledgements' (steps are never edited once
// released).
func statusMigrations() []string {
	return []string{
		// 15: each rule group's last evaluation status, for the rules API
		// of replicas that do not evaluate; data is codec's JSON.
		`CREATE TABLE group_status (
			grp  TEXT NOT NULL PRIMARY KEY,
			data TEXT NOT NULL
		) STRICT`,
	}
}

const (
	upsertStatusSQL = `INSERT INTO group_status (grp, data) VALUES (?, ?)
		ON CONFLICT (grp) DO UPDATE SET data = excluded.data`
	loadStatusSQL = `SELECT grp, data FROM group_status ORDER BY grp`
)

// storeStatus writes a batch's group status inside its transaction.
func (s *Store) storeStatus(ctx context.Context, tx *sql.Tx, g *state.GroupStatus) error {
	data, err := codec.EncodeGroupStatus(g)
	if err != nil {
		return fmt.Errorf("group status: %w", err)
	}
	if _, err := tx.StmtContext(ctx, s.stmts.upsertStatus).ExecContext(ctx, g.Group, data); err != nil {
		return fmt.Errorf("storing group status: %w", err)
	}
	return nil
}

// LoadGroupStatus returns every group's last stored evaluation status,
// ordered by group.
func (s *Store) LoadGroupStatus(ctx context.Context) ([]state.GroupStatus, error) {
	rows, err := s.db.QueryContext(ctx, loadStatusSQL)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: loading group status: %w", err)
	}
	defer rows.Close()
	var out []state.GroupStatus
	for rows.Next() {
		var (
			grp  string
			data []byte
		)
		if err := rows.Scan(&grp, &data); err != nil {
			return nil, fmt.Errorf("sqlite state: loading group status: %w", err)
		}
		g, err := codec.DecodeGroupStatus(grp, data)
		if err != nil {
			return nil, fmt.Errorf("sqlite state: group %q status: %w", grp, err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite state: loading group status: %w", err)
	}
	return out, nil
}
