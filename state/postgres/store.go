// Package postgres is the state store that several alerter replicas share:
// alert state, the event outbox, the notification log and outboxes,
// silences, acknowledgements, escalations, maintenance windows and group
// status in one PostgreSQL database, through pgx.
//
// It also hands out leadership: a lease row with a holder, an epoch (the
// fencing token, which only grows) and an expiry computed by PostgreSQL's
// own clock, so that no decision compares the clocks of two machines. The
// writes that can lead to a notification check the epoch in the same
// transaction (see Fenced), so a leader that was paused past its lease can
// neither commit nor send what the new leader is responsible for. Writes
// other replicas must see at once (silences, acknowledgements, windows,
// the lease) bump a version and send a NOTIFY in their transaction.
//
// Durability is PostgreSQL's: a call that returned nil was committed.
// Every multi-statement write is one pipelined batch, which PostgreSQL runs
// as one implicit transaction: all of it is stored or none of it.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/alerter/alerter/state"
)

// Options configures Open.
type Options struct {
	// DSN is the connection string: a postgres:// URL or key=value pairs,
	// as libpq and pgx accept them (pool_max_conns included). It is never
	// logged nor put in an error.
	DSN string
	// Logger receives schema and connection messages; nil discards them.
	Logger *slog.Logger
	// Now stamps outbox rows with their creation time; nil means time.Now.
	Now func() time.Time
	// ConnectWait is how long Open keeps trying to reach PostgreSQL before
	// it gives up (30s), so that alerter and its database can start
	// together.
	ConnectWait time.Duration
}

// defaultMaxConns is the pool size when the DSN does not set
// pool_max_conns: the evaluator's groups, the dispatcher, one sender per
// integration and the API share it.
const defaultMaxConns = 10

// defaultConnectTimeout bounds one connection attempt when the DSN sets no
// connect_timeout: an unreachable server must not hang a caller.
const defaultConnectTimeout = 10 * time.Second

// Store is a state store in PostgreSQL, safe for concurrent use by the
// goroutines of one process and by several processes.
type Store struct {
	pool   *pgxpool.Pool
	connCf *pgx.ConnConfig // for the LISTEN connection
	log    *slog.Logger
	now    func() time.Time
	target string // user@host:port/database, for messages
	// bulkMin is the smallest batch written over arrays (bulk.go);
	// benchmarks raise it to compare with the row-by-row form.
	bulkMin int

	closeOnce sync.Once
}

// Open connects to PostgreSQL and migrates the schema to this build's
// version, under an advisory lock so that replicas starting together do
// not race. A database with a newer schema is refused with a
// *SchemaVersionError.
func Open(ctx context.Context, opts Options) (*Store, error) {
	cfg, err := parseDSN(opts.DSN)
	if err != nil {
		return nil, err
	}
	s := &Store{log: opts.Logger, now: opts.Now, connCf: cfg.ConnConfig.Copy(), target: describe(cfg.ConnConfig), bulkMin: bulkMin}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	wait := opts.ConnectWait
	if wait <= 0 {
		wait = 30 * time.Second
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres state %s: %w", s.target, err)
	}
	if err := s.init(ctx, wait); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// parseDSN parses the connection string. Its error never quotes the DSN,
// which may hold a password.
func parseDSN(dsn string) (*pgxpool.Config, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("postgres state: the DSN is empty")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres state: the DSN cannot be parsed; it must be a postgres:// URL or key=value pairs (it is not shown here: it may hold a password)")
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "alerter"
	}
	return cfg, nil
}

// describe names the database without the password, for messages.
func describe(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// Target names the database (user@host:port/database) without secrets,
// for logs and status pages.
func (s *Store) Target() string { return s.target }

// init waits for the server, then migrates.
func (s *Store) init(ctx context.Context, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	delay := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.pool.Ping(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil || time.Now().Add(delay).After(deadline) {
			return fmt.Errorf("postgres state %s: connecting: %w", s.target, err)
		}
		if attempt == 1 {
			s.log.Warn("PostgreSQL is not reachable yet; retrying", "database", s.target, "err", err, "for", wait)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres state %s: connecting: %w", s.target, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
	from, to, err := migrate(ctx, s.pool, migrations())
	if err != nil {
		return fmt.Errorf("postgres state %s: %w", s.target, err)
	}
	if from != to {
		s.log.Info("migrated state database schema", "database", s.target, "from_version", from, "to_version", to)
	}
	return nil
}

// Close closes the pool. Other methods fail after Close.
func (s *Store) Close() error {
	s.closeOnce.Do(s.pool.Close)
	return nil
}

// fencedCode is the SQLSTATE alerter_fence raises for a term that is over.
const fencedCode = "ALF01"

// wrap turns a database error into the store's: a refused term becomes
// state.ErrFenced, and a done context shows through errors.Is even when
// pgx reports the interrupted statement differently.
func wrap(ctx context.Context, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == fencedCode {
		err = fmt.Errorf("%s: %w", pe.Message, state.ErrFenced)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return fmt.Errorf("postgres state: "+format+": %w", append(args, err)...)
}

// send runs the queued statements as one implicit transaction.
func (s *Store) send(ctx context.Context, b *pgx.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.pool.SendBatch(ctx, b).Close()
}

// queueFence makes a batch fail with state.ErrFenced, and store nothing,
// unless epoch is the current term's (epoch 0: an unfenced write).
func queueFence(b *pgx.Batch, epoch int64) {
	if epoch != 0 {
		b.Queue(`SELECT alerter_fence($1)`, epoch)
	}
}
