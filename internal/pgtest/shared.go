package pgtest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// shared is the server of the whole test process, started by the first
// DSN call and stopped by Main.
var shared struct {
	mu  sync.Mutex
	srv *Server
	err error
}

// DSN returns the connection string of a new, empty database on the test
// process's shared server, starting the server on first use. The database
// is dropped at the end of the test. A package that calls DSN must stop
// the server in its TestMain with Main.
func DSN(t testing.TB) string {
	t.Helper()
	srv := Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn, err := srv.CreateDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.DropDB(ctx, dsn); err != nil {
			t.Logf("pgtest: dropping the test database: %v", err)
		}
	})
	return dsn
}

// Shared returns the test process's shared server, starting it on first
// use. A server that failed to start fails every later call too.
func Shared(t testing.TB) *Server {
	t.Helper()
	bin, err := findBinDir()
	if err != nil {
		missing(t, err)
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = start(bin, Options{})
	}
	if shared.err != nil {
		t.Fatalf("pgtest: %v", shared.err)
	}
	return shared.srv
}

// Main runs the tests and then stops the shared server, if one was
// started; it returns m.Run's exit code. Use it in TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv != nil {
		_ = shared.srv.Close()
		shared.srv = nil
	}
	return code
}
