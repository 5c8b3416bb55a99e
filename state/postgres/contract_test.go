package postgres

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/pgtest"
	"github.com/alerter/alerter/state/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openTest opens a store on dsn and closes it at the end of the test.
func openTest(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{DSN: dsn, Now: func() time.Time { return storetest.T0 }})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestContract runs the contract every state store keeps, on a real
// PostgreSQL.
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		NewDB:  func(t *testing.T) string { return pgtest.DSN(t) },
		Open:   func(t *testing.T, dsn string) storetest.Store { return openTest(t, dsn) },
		Fence:  func(s storetest.Store, epoch int64) storetest.Fenced { return s.(*Store).Fenced(epoch) },
		Shared: true,
	})
}
