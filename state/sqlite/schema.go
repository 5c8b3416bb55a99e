package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations returns the schema's history, one SQL statement per step.
// PRAGMA user_version counts the steps a database has applied, so step i
// takes a database from version i to version i+1. Steps are only ever
// appended: a released step is never edited, or databases that already ran
// it would differ from new ones.
//
// Times are INTEGER Unix nanoseconds, 0 meaning the zero time.Time. Alert
// values are the float64's IEEE-754 bits as INTEGER, because SQLite stores
// a NaN REAL as NULL. Tables are STRICT so that a wrongly typed bind fails
// instead of being silently converted.
func migrations() []string {
	return append([]string{
		// 1
		`CREATE TABLE alerts (
			rule_id            TEXT    NOT NULL,
			fp                 INTEGER NOT NULL, -- model.Fingerprint as int64 bits
			labels             TEXT    NOT NULL, -- JSON object, or null
			annotations        TEXT    NOT NULL, -- JSON object, or null
			state              INTEGER NOT NULL,
			value_bits         INTEGER NOT NULL, -- math.Float64bits(value) as int64
			generator_url      TEXT    NOT NULL,
			active_at          INTEGER NOT NULL,
			fired_at           INTEGER NOT NULL,
			resolved_at        INTEGER NOT NULL,
			keep_firing_since  INTEGER NOT NULL,
			last_eval_at       INTEGER NOT NULL,
			severity_raised_at INTEGER NOT NULL,
			PRIMARY KEY (rule_id, fp)
		) STRICT`,
		// 2
		`CREATE TABLE group_marks (
			grp          TEXT    NOT NULL PRIMARY KEY,
			last_eval_at INTEGER NOT NULL
		) STRICT`,
		// 3: AUTOINCREMENT so that an id is never reused, even after the
		// newest rows were pruned: notifiers may deduplicate by id.
		`CREATE TABLE outbox (
			id            INTEGER PRIMARY KEY AUTOINCREMENT,
			kind          INTEGER NOT NULL CHECK (kind > 0),
			at            INTEGER NOT NULL,
			prev_severity TEXT    NOT NULL,
			alert         TEXT    NOT NULL, -- JSON snapshot, see codec.go
			created_at    INTEGER NOT NULL,
			delivered_at  INTEGER           -- NULL until delivered
		) STRICT`,
		// 4: PendingEvents and OutboxDepth read only undelivered rows.
		`CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL`,
		// 5: PruneDelivered deletes by delivery time.
		`CREATE INDEX outbox_delivered_at ON outbox (delivered_at) WHERE delivered_at IS NOT NULL`,
	}, append(append(append(append(append(notifyMigrations(), silenceMigrations()...), ackMigrations()...), pushMigrations()...), statusMigrations()...), flapMigrations()...)...)
}

// pushMigrations add what pushed alerts need: their endsAt.
func pushMigrations() []string {
	return []string{
		`ALTER TABLE alerts ADD COLUMN ends_at INTEGER NOT NULL DEFAULT 0`,
	}
}

// SchemaVersionError reports a database written by a newer alerter, whose
// schema this build does not know. Opening it anyway could lose state.
type SchemaVersionError struct {
	// Have is the database's version, Want the newest this build knows.
	Have, Want int
}

// Error implements error.
func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this build's %d", e.Have, e.Want)
}

// migrate applies the steps the database has not run yet, all in one
// transaction together with the new user_version, and returns the versions
// before and after. The version is read inside the write transaction so that
// two processes opening a new database at once cannot both migrate it.
func migrate(ctx context.Context, db *sql.DB, steps []string) (from, to int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("migrating schema: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&from); err != nil {
		return 0, 0, fmt.Errorf("reading schema version: %w", err)
	}
	if from > len(steps) {
		return from, from, &SchemaVersionError{Have: from, Want: len(steps)}
	}
	if from == len(steps) {
		return from, from, tx.Rollback()
	}
	for i := from; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return from, from, fmt.Errorf("migrating schema to version %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no bound parameters; len(steps) is an int we control.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
		return from, from, fmt.Errorf("setting schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return from, from, fmt.Errorf("committing schema migration: %w", err)
	}
	return from, len(steps), nil
}
