// Package sqlite is the embedded default state.Store: one SQLite file per
// alerter instance, written through the pure-Go modernc.org/sqlite driver so
// that the binary needs no cgo.
//
// Durability choices: the database runs in WAL mode with synchronous=FULL, so
// a Commit that returned nil has been fsynced to the WAL and survives both a
// process crash and a power loss. Every write takes the write lock up front
// (BEGIN IMMEDIATE), so a transaction never fails half-way on a lock upgrade.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/alerter/alerter/state"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// FileName is the name of the database file inside Options.Dir. SQLite keeps
// FileName+"-wal" and FileName+"-shm" beside it while the store is open.
const FileName = "alerter.db"

// busyTimeoutMillis bounds how long a statement waits for a lock held by
// another connection (an operator's sqlite3 shell, a backup) before failing.
const busyTimeoutMillis = 5000

// cacheKiB bounds SQLite's page cache. The storm's rows (a firing alert's
// row, its outbox event and the notifications of its group) are written
// once and read back at most once, so a larger cache buys little; SQLite's
// default is the same 2 MiB, set here so that the bound is explicit.
const cacheKiB = 2048

// Options configures Open.
type Options struct {
	// Dir holds the database files; it is created (0o750) if missing.
	Dir string
	// Logger receives schema and shutdown messages; nil discards them.
	Logger *slog.Logger
	// Now stamps outbox rows with their creation time; nil means time.Now.
	Now func() time.Time
}

// Store is a state.Store backed by one SQLite database. It is safe for
// concurrent use: all calls share one connection and are serialised by it,
// which is the simplest correct way to write to SQLite.
type Store struct {
	db     *sql.DB
	stmts  statements
	logger *slog.Logger
	now    func() time.Time
	path   string

	lease lease

	closeOnce sync.Once
	closeErr  error
}

var _ state.Store = (*Store)(nil)

// statements are prepared once at Open and reused by every transaction, so
// a Commit does not re-parse its SQL.
type statements struct {
	upsertAlert   *sql.Stmt
	deleteAlert   *sql.Stmt
	upsertMark    *sql.Stmt
	insertEvent   *sql.Stmt
	upsertStatus  *sql.Stmt
	upsertEpisode *sql.Stmt
	noteEpisode   *sql.Stmt
	// upsertAlerts and insertEvents are the chunkRows-row forms of
	// upsertAlert and insertEvent (see multirow.go).
	upsertAlerts *sql.Stmt
	insertEvents *sql.Stmt
	// upsertEpisodes is the chunkRows-row form of upsertEpisode.
	upsertEpisodes *sql.Stmt
}

// Open opens (creating if needed) the database in opts.Dir and migrates its
// schema to the current version.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("sqlite state: Options.Dir is empty")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: resolving %q: %w", opts.Dir, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite state: creating %s: %w", dir, err)
	}
	s := &Store{
		logger: opts.Logger,
		now:    opts.Now,
		path:   filepath.Join(dir, FileName),
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}

	db, err := sql.Open("sqlite", dsn(s.path))
	if err != nil {
		return nil, fmt.Errorf("sqlite state: opening %s: %w", s.path, err)
	}
	// One connection: SQLite has one writer anyway, and a single connection
	// means the per-connection pragmas in the DSN hold for every call.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s.db = db

	if err := s.init(context.Background()); err != nil {
		_ = s.closeStatements()
		_ = db.Close()
		return nil, fmt.Errorf("sqlite state: opening %s: %w", s.path, err)
	}
	return s, nil
}

// dsn builds the driver's connection string. The pragmas are applied by the
// driver each time it opens a connection, so they cannot be lost if
// database/sql replaces a broken one.
func dsn(path string) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMillis))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	// Multi-row statements (multirow.go) keep a statement journal, which
	// belongs in memory, not in a temporary file written for every chunk.
	q.Add("_pragma", "temp_store(memory)")
	// The page cache is bounded (in KiB, negative); see cacheKiB.
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheKiB))
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	// url.URL renders "file:///abs/path"; SQLite accepts that form and it
	// keeps a '?' or '#' in the path from being read as the query.
	return u.String()
}

// init checks the connection's settings, migrates the schema and prepares
// the statements.
func (s *Store) init(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("reading journal_mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal_mode is %q, want \"wal\" (is the directory on a filesystem without shared memory?)", mode)
	}
	from, to, err := migrate(ctx, s.db, migrations())
	if err != nil {
		return err
	}
	if from != to {
		s.logger.Info("migrated state database schema", "path", s.path, "from_version", from, "to_version", to)
	}
	return s.prepare(ctx)
}

func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.stmts.upsertAlert, upsertAlertSQL},
		{&s.stmts.deleteAlert, deleteAlertSQL},
		{&s.stmts.upsertMark, upsertMarkSQL},
		{&s.stmts.insertEvent, insertEventSQL},
		{&s.stmts.upsertStatus, upsertStatusSQL},
		{&s.stmts.upsertAlerts, multiRow(upsertAlertSQL, chunkRows)},
		{&s.stmts.insertEvents, insertEventsSQL},
		{&s.stmts.upsertEpisode, upsertEpisodeSQL},
		{&s.stmts.noteEpisode, noteEpisodeSQL},
		{&s.stmts.upsertEpisodes, multiRow(upsertEpisodeSQL, chunkRows)},
	} {
		st, err := s.db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("preparing %q: %w", p.query, err)
		}
		*p.dst = st
	}
	return nil
}

func (s *Store) closeStatements() error {
	var errs []error
	for _, st := range []*sql.Stmt{
		s.stmts.upsertAlert, s.stmts.deleteAlert, s.stmts.upsertMark,
		s.stmts.insertEvent, s.stmts.upsertStatus,
		s.stmts.upsertAlerts, s.stmts.insertEvents,
		s.stmts.upsertEpisode, s.stmts.noteEpisode, s.stmts.upsertEpisodes,
	} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// Close checkpoints the WAL into the database file and closes it. Further
// calls return the first call's result; other methods fail after Close.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		errs := []error{s.closeStatements()}
		// TRUNCATE leaves an empty WAL, so a copy of the directory taken
		// after Close is the database file alone. Nothing is lost if this
		// fails: the next Open replays the WAL.
		if _, err := s.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			s.logger.Warn("checkpointing state database on close", "path", s.path, "err", err)
			errs = append(errs, fmt.Errorf("checkpointing: %w", err))
		}
		errs = append(errs, s.db.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("sqlite state: closing %s: %w", s.path, err)
		}
	})
	return s.closeErr
}
