package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations returns the schema's history, one statement per step; the
// table schema_version counts the steps a database has applied. Steps are
// only ever appended: a released step is never edited, or databases that
// already ran it would differ from new ones.
//
// Alert times are bigint Unix nanoseconds (0: the zero time) and values
// the float64's IEEE-754 bits, encoded as state/sqlite encodes them
// (state/internal/codec), so that both stores round-trip every value
// exactly. Times that only PostgreSQL compares (the lease, the replicas)
// are timestamptz from its own clock, now().
func migrations() []string {
	return []string{
		// 1
		`CREATE TABLE alerts (
			rule_id            text     NOT NULL,
			fp                 bigint   NOT NULL, -- model.Fingerprint's bits
			labels             text     NOT NULL, -- JSON object, or null
			annotations        text     NOT NULL,
			state              smallint NOT NULL,
			value_bits         bigint   NOT NULL, -- math.Float64bits(value)
			generator_url      text     NOT NULL,
			active_at          bigint   NOT NULL,
			fired_at           bigint   NOT NULL,
			resolved_at        bigint   NOT NULL,
			keep_firing_since  bigint   NOT NULL,
			last_eval_at       bigint   NOT NULL,
			severity_raised_at bigint   NOT NULL,
			PRIMARY KEY (rule_id, fp)
		)`,
		// 2
		`CREATE TABLE group_marks (
			grp          text   NOT NULL PRIMARY KEY,
			last_eval_at bigint NOT NULL
		)`,
		// 3: a sequence never hands out an id twice, even after the
		// newest rows were pruned: notifiers may deduplicate by id.
		`CREATE TABLE outbox (
			id            bigserial PRIMARY KEY,
			kind          smallint  NOT NULL CHECK (kind > 0),
			at            bigint    NOT NULL,
			prev_severity text      NOT NULL,
			alert         text      NOT NULL, -- JSON snapshot
			created_at    bigint    NOT NULL,
			delivered_at  bigint              -- NULL until consumed
		)`,
		// 4
		`CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL`,
		// 5
		`CREATE INDEX outbox_delivered_at ON outbox (delivered_at) WHERE delivered_at IS NOT NULL`,
		// 6
		`CREATE TABLE nflog (
			receiver    text   NOT NULL,
			integration text   NOT NULL,
			group_key   text   NOT NULL,
			firing      text   NOT NULL, -- JSON array of fingerprints
			resolved    text   NOT NULL,
			acked       text   NOT NULL,
			sent_at     bigint NOT NULL,
			PRIMARY KEY (receiver, integration, group_key)
		)`,
		// 7
		`CREATE TABLE notifications (
			id           bigserial PRIMARY KEY,
			receiver     text      NOT NULL,
			integration  text      NOT NULL,
			group_key    text      NOT NULL,
			message      bytea     NOT NULL,
			created_at   bigint    NOT NULL,
			delivered_at bigint
		)`,
		// 8
		`CREATE INDEX notifications_pending ON notifications (receiver, integration, id) WHERE delivered_at IS NULL`,
		// 9
		`CREATE INDEX notifications_delivered_at ON notifications (delivered_at) WHERE delivered_at IS NOT NULL`,
		// 10
		`CREATE TABLE integration_state (
			receiver    text NOT NULL,
			integration text NOT NULL,
			group_key   text NOT NULL,
			state       text NOT NULL,
			PRIMARY KEY (receiver, integration, group_key)
		)`,
		// 11: ends_at is timestamptz, which holds any end a silence can
		// have; the exact times are in data.
		`CREATE TABLE silences (
			id      text        NOT NULL PRIMARY KEY,
			data    text        NOT NULL,
			ends_at timestamptz NOT NULL
		)`,
		// 12
		`CREATE TABLE escalations (
			group_key text    NOT NULL PRIMARY KEY,
			reached   integer NOT NULL,
			start     bigint  NOT NULL,
			last_at   bigint  NOT NULL,
			paused_at bigint  NOT NULL
		)`,
		// 13
		`CREATE TABLE acks (
			id   text NOT NULL PRIMARY KEY,
			data text NOT NULL
		)`,
		// 14: pos keeps creation order across updates.
		`CREATE TABLE maintenance_windows (
			name text      NOT NULL PRIMARY KEY,
			pos  bigserial NOT NULL,
			data text      NOT NULL
		)`,
		// 15
		`CREATE TABLE group_status (
			grp  text NOT NULL PRIMARY KEY,
			data text NOT NULL
		)`,
		// 16: the leadership lease, one row. holder '' means free.
		`CREATE TABLE lease (
			id          boolean     NOT NULL PRIMARY KEY DEFAULT true CHECK (id),
			holder      text        NOT NULL DEFAULT '',
			epoch       bigint      NOT NULL DEFAULT 0,
			expires_at  timestamptz NOT NULL DEFAULT 'epoch',
			acquired_at timestamptz NOT NULL DEFAULT 'epoch'
		)`,
		// 17
		`INSERT INTO lease DEFAULT VALUES`,
		// 18: refuses the writes of a term that is over, in the writer's
		// transaction; FOR SHARE keeps a takeover from committing in
		// between. SQLSTATE ALF01 is mapped to state.ErrFenced.
		`CREATE FUNCTION alerter_fence(term bigint) RETURNS void LANGUAGE plpgsql AS $$
		DECLARE
			cur_epoch  bigint;
			cur_holder text;
		BEGIN
			SELECT epoch, holder INTO cur_epoch, cur_holder FROM lease FOR SHARE;
			IF cur_epoch IS DISTINCT FROM term OR cur_holder = '' THEN
				RAISE EXCEPTION 'leadership term % is over (current term %)', term, cur_epoch
					USING ERRCODE = 'ALF01';
			END IF;
		END
		$$`,
		// 19: one version per topic, bumped in the transaction of every
		// write other replicas must see; they poll it when LISTEN fails.
		`CREATE TABLE change_versions (
			topic   text   NOT NULL PRIMARY KEY,
			version bigint NOT NULL DEFAULT 0
		)`,
		// 20
		`INSERT INTO change_versions (topic) VALUES ('silences'), ('acks'), ('windows'), ('alerts'), ('lease')`,
		// 21: the replicas sharing the database, for the cluster status.
		`CREATE TABLE replicas (
			id         text        NOT NULL PRIMARY KEY,
			name       text        NOT NULL,
			address    text        NOT NULL,
			started_at timestamptz NOT NULL,
			seen_at    timestamptz NOT NULL
		)`,
		// 22: pushed alerts' endsAt (see alert.Alert.EndsAt).
		`ALTER TABLE alerts ADD COLUMN ends_at bigint NOT NULL DEFAULT 0`,
		// 23: an alert's flap history (codec.EncodeFlap; '' for none).
		`ALTER TABLE alerts ADD COLUMN flap text NOT NULL DEFAULT ''`,
		// 24: which firing fingerprints an integration was told were
		// flapping.
		`ALTER TABLE nflog ADD COLUMN flapping text NOT NULL DEFAULT '[]'`,
		// 25: one row per firing episode of an evaluated alert
		// (state.Episode).
		`CREATE TABLE episodes (
			rule_id       text    NOT NULL,
			rule_group    text    NOT NULL,
			alertname     text    NOT NULL,
			fp            bigint  NOT NULL,
			labels        text    NOT NULL,
			fired_at      bigint  NOT NULL,
			resolved_at   bigint  NOT NULL, -- 0 while open
			evaluations   bigint  NOT NULL,
			flapping      boolean NOT NULL,
			acked_at      bigint  NOT NULL,
			acked_by      text    NOT NULL,
			notifications integer NOT NULL,
			-- Firing time first: rows are appended in time order, and
			-- LoadEpisodes and PruneEpisodes read ranges of it.
			PRIMARY KEY (fired_at, rule_id, fp)
		)`,
	}
}

// SchemaVersionError reports a database written by a newer alerter, whose
// schema this build does not know. Using it anyway could lose state.
type SchemaVersionError struct {
	// Have is the database's version, Want the newest this build knows.
	Have, Want int
}

// Error implements error.
func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this build's %d: upgrade this replica, or point it at another database", e.Have, e.Want)
}

// migrationLock is the advisory lock key under which replicas migrate, one
// at a time ("alerter" in ASCII).
const migrationLock = 0x616c65727465720a

// migrate applies the steps the database has not run yet, in one
// transaction with the new version, under an advisory lock taken first, so
// that two replicas starting at once cannot both migrate. It returns the
// versions before and after.
func migrate(ctx context.Context, pool *pgxpool.Pool, steps []string) (from, to int, err error) {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return 0, 0, fmt.Errorf("migrating schema: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return 0, 0, fmt.Errorf("locking for the schema migration: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		id      boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (id),
		version integer NOT NULL
	)`); err != nil {
		return 0, 0, fmt.Errorf("creating the schema version table: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&from); err != nil {
		return 0, 0, fmt.Errorf("reading schema version: %w", err)
	}
	if from > len(steps) {
		return from, from, &SchemaVersionError{Have: from, Want: len(steps)}
	}
	for i := from; i < len(steps); i++ {
		if _, err := tx.Exec(ctx, steps[i]); err != nil {
			return from, from, fmt.Errorf("migrating schema to version %d: %w", i+1, err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)
		ON CONFLICT (id) DO UPDATE SET version = excluded.version`, len(steps)); err != nil {
		return from, from, fmt.Errorf("setting schema version: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return from, from, fmt.Errorf("committing schema migration: %w", err)
	}
	return from, len(steps), nil
}
