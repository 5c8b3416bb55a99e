package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/cluster"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/postgres"
	"github.com/alerter/alerter/state/sqlite"
)

// stateStore is everything the server uses of its state store; SQLite and
// PostgreSQL both satisfy it.
type stateStore interface {
	state.Store
	state.NotifyStore
	silence.Store
	silence.WindowStore
	ack.Store
	cluster.LeaseStore
	cluster.AlertStore
	state.EpisodeStore
	PruneDelivered(ctx context.Context, olderThan time.Time) (int64, error)
	PruneNotifications(ctx context.Context, olderThan time.Time) (int64, error)
}

// termStore is a leadership term's view of the store: the leader's
// evaluator and notification pipeline write through it, and it refuses
// their writes once the term is over.
type termStore interface {
	state.Store
	state.NotifyStore
	ClaimNotification(ctx context.Context, n *state.Notification) error
}

// sharedStore is what a store that several replicas share adds.
type sharedStore interface {
	cluster.ChangeSource
	cluster.ReplicaStore
}

// singleReplicaTTL is the lease of the only replica (SQLite): long
// enough that no pause ends it.
const singleReplicaTTL = 365 * 24 * time.Hour

// backend is the opened store and what the server needs to know of it.
type backend struct {
	store stateStore
	fence func(epoch int64) termStore
	// shared is nil for SQLite: one replica, nothing to watch.
	shared sharedStore
	kind   string // "sqlite" or "postgres"
	where  string // the directory, or user@host:port/database
	ttl    time.Duration
	// retry is how soon a failed term is tried again (0: the elector's
	// default, which lets another replica go first).
	retry time.Duration
}

// openBackend opens the store the configuration chooses: PostgreSQL when
// storage.postgres is set, else SQLite in storage.path.
func openBackend(cfg *config.Config, log *slog.Logger) (*backend, error) {
	pg := cfg.Storage.Postgres
	if pg == nil {
		st, err := sqlite.Open(sqlite.Options{Dir: cfg.Storage.Path, Logger: log})
		if err != nil {
			return nil, err
		}
		return &backend{
			store: st,
			fence: func(epoch int64) termStore { return st.Fenced(epoch) },
			kind:  "sqlite",
			where: cfg.Storage.Path,
			// One process, no other replica to hand over to: a stall
			// (a frozen VM, a starved machine) must not end its term.
			ttl:   singleReplicaTTL,
			retry: 5 * time.Second,
		}, nil
	}
	dsn, err := pg.ConnString()
	if err != nil {
		return nil, err
	}
	st, err := postgres.Open(context.Background(), postgres.Options{DSN: dsn, Logger: log})
	if err != nil {
		return nil, err
	}
	return &backend{
		store:  st,
		fence:  func(epoch int64) termStore { return st.Fenced(epoch) },
		shared: st,
		kind:   "postgres",
		where:  st.Target(),
		ttl:    time.Duration(pg.LeaseTTL),
	}, nil
}

// self describes this replica: its name (configured, or host:port), a
// unique ID for this process start (its lease holder name) and the
// address its API is reached at.
func self(cfg *config.Config) state.Replica {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	_, port, _ := net.SplitHostPort(cfg.Web.ListenAddress)
	name := net.JoinHostPort(host, port)
	if pg := cfg.Storage.Postgres; pg != nil && pg.ReplicaName != "" {
		name = pg.ReplicaName
	}
	// The address other replicas reach this one at, directly (not a load
	// balancer's external_url): the listen address, or this host's name
	// when it listens on every interface.
	lhost, _, _ := net.SplitHostPort(cfg.Web.ListenAddress)
	if lhost == "" || lhost == "0.0.0.0" || lhost == "::" {
		lhost = host
	}
	addr := "http://" + net.JoinHostPort(lhost, port)
	if pg := cfg.Storage.Postgres; pg != nil && pg.AdvertiseURL != "" {
		addr = pg.AdvertiseURL
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return state.Replica{ID: fmt.Sprintf("%s/%s", name, hex.EncodeToString(b[:])), Name: name, Address: config.StripUserinfo(addr)}
}
