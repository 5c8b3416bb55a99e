package pgtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func query(t *testing.T, dsn, sql string, dst ...any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, sql).Scan(dst...)
}

// TestDSNGivesFreshDatabases checks that each test database is new and
// empty, and that the server is a real PostgreSQL.
func TestDSNGivesFreshDatabases(t *testing.T) {
	a, b := DSN(t), DSN(t)
	if a == b {
		t.Fatalf("two DSN calls returned the same database %s", a)
	}
	var version string
	if err := query(t, a, "SHOW server_version", &version); err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL %s", version)
	if err := query(t, a, "CREATE TABLE x (i int)"); err != nil && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	var n int
	if err := query(t, b, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", &n); err != nil || n != 0 {
		t.Fatalf("second database has %d tables (%v), want 0", n, err)
	}
}

// TestStopStart checks that a server of its own can be stopped, refuses
// connections meanwhile, and comes back with its data.
func TestStopStart(t *testing.T) {
	s := New(t, Options{})
	ctx := context.Background()
	dsn, err := s.CreateDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// CREATE returns no row, which pgx reports as ErrNoRows.
	if err := query(t, dsn, "CREATE TABLE kept (i int)"); err != nil && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	var one int
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := query(t, dsn, "SELECT 1", &one); err == nil {
		t.Fatal("a stopped server answered")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := query(t, dsn, "SELECT count(*) FROM kept", &n); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestCompareVersion(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"15", "9.6", 1}, {"9.6", "15", -1}, {"15", "15", 0}, {"16", "15", 1},
	} {
		got := compareVersion(c.a, c.b)
		if (got > 0) != (c.want > 0) || (got < 0) != (c.want < 0) {
			t.Errorf("compareVersion(%q, %q) = %d, want sign of %d", c.a, c.b, got, c.want)
		}
	}
}
