package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/internal/pgtest"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/storetest"
)

func exec(t *testing.T, dsn, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestMigrateConcurrently opens one new database from several replicas at
// once: the advisory lock lets one migrate, and all of them start.
func TestMigrateConcurrently(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := Open(context.Background(), Options{DSN: dsn})
			if err != nil {
				errs <- err
				return
			}
			errs <- s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	s := openTest(t, dsn)
	var v int
	if err := s.pool.QueryRow(context.Background(), `SELECT version FROM schema_version`).Scan(&v); err != nil || v != len(migrations()) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations()))
	}
}

// TestOpenRefusesNewerSchema: a replica older than the database's schema
// refuses to start, saying why.
func TestOpenRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.DSN(t)
	openTest(t, dsn)
	exec(t, dsn, `UPDATE schema_version SET version = 1000`)
	s, err := Open(context.Background(), Options{DSN: dsn})
	var verr *SchemaVersionError
	if !errors.As(err, &verr) || verr.Have != 1000 || verr.Want != len(migrations()) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a newer database: err = %v, want a SchemaVersionError", err)
	}
	if !strings.Contains(err.Error(), "newer than this build") {
		t.Errorf("error %q does not say the schema is newer", err)
	}
}

// TestNoPasswordInErrors: neither a DSN that cannot be parsed nor a server
// that cannot be reached puts the password in the error.
func TestNoPasswordInErrors(t *testing.T) {
	const secret = "s3cr3t-pa55"
	for _, dsn := range []string{
		"postgres://alerter:" + secret + "@127.0.0.1:1/alerter?connect_timeout=1",
		"host=127.0.0.1 port=1 user=alerter password=" + secret + " dbname=alerter connect_timeout=1",
		"postgres://alerter:" + secret + "@127.0.0.1:notaport/alerter",
		"host=127.0.0.1 password='" + secret + " port=x",
	} {
		s, err := Open(context.Background(), Options{DSN: dsn, ConnectWait: time.Millisecond})
		if err == nil {
			s.Close()
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// TestListenReconnects stops PostgreSQL under a listener and starts it
// again: the listener says it listens again, and hears changes.
func TestListenReconnects(t *testing.T) {
	srv := pgtest.New(t, pgtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn, err := srv.CreateDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := openTest(t, dsn)
	var starts, silences atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.ListenChanges(ctx, func(topic string) {
			switch topic {
			case "":
				starts.Add(1)
			case topicSilences:
				silences.Add(1)
			}
		})
	}()
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait("the first LISTEN", func() bool { return starts.Load() == 1 })
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadAlerts(ctx); err == nil {
		t.Fatal("LoadAlerts succeeded with PostgreSQL down")
	}
	time.Sleep(500 * time.Millisecond) // a few failed reconnections
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	wait("LISTEN again", func() bool { return starts.Load() >= 2 })
	if err := s.DeleteSilences(ctx, []string{"x"}); err != nil {
		t.Fatalf("writing after PostgreSQL came back: %v", err)
	}
	wait("the change to be heard", func() bool { return silences.Load() >= 1 })
	cancel()
	<-done
}

// TestFencedCommitWaitsForTakeover checks the FOR SHARE in alerter_fence:
// a takeover that starts while a fenced commit is in its transaction waits
// for it, so the commit is either refused or ordered before the new term.
func TestFencedCommitWaitsForTakeover(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	s := openTest(t, dsn)
	old, err := s.AcquireLease(ctx, "old", 100*time.Millisecond)
	if err != nil || !old.Held {
		t.Fatal(old, err)
	}
	// Hold the lease row FOR SHARE as a fenced commit does, in an open
	// transaction.
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT alerter_fence($1)`, old.Epoch); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the lease expires meanwhile
	acquired := make(chan state.Lease, 1)
	go func() {
		l, err := s.AcquireLease(ctx, "new", time.Hour)
		if err != nil {
			t.Error(err)
		}
		acquired <- l
	}()
	select {
	case l := <-acquired:
		t.Fatalf("takeover %+v did not wait for the fenced transaction", l)
	case <-time.After(300 * time.Millisecond):
	}
	a := storetest.SampleAlert("r", 1)
	args, _ := alertArgs(a)
	if _, err := tx.Exec(ctx, upsertAlertSQL, args...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if l := <-acquired; !l.Held || l.Previous != "old" {
		t.Fatalf("takeover after the commit = %+v", l)
	}
	storetest.CheckAlerts(t, s, a)
	if err := s.Fenced(old.Epoch).Commit(ctx, &state.Batch{Group: "g", Upserts: []*alert.Alert{a}}); !errors.Is(err, state.ErrFenced) {
		t.Fatalf("commit of the old term after the takeover = %v, want ErrFenced", err)
	}
}

// TestBulkUpsertSQL: the array form of the upsert has one typed array per
// column of the row form, and its conflict clause.
func TestBulkUpsertSQL(t *testing.T) {
	cols := strings.Count(alertColumns, ",") + 1
	if n := strings.Count(upsertAlertsSQL, "[]"); n != cols {
		t.Errorf("upsertAlertsSQL has %d array parameters for %d columns: %s", n, cols, upsertAlertsSQL)
	}
	for _, want := range []string{"SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::smallint[]",
		"ON CONFLICT (rule_id, fp) DO UPDATE SET"} {
		if !strings.Contains(upsertAlertsSQL, want) {
			t.Errorf("upsertAlertsSQL lacks %q: %s", want, upsertAlertsSQL)
		}
	}
}
