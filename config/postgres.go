package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// DefaultLeaseTTL is the leadership lease's default time-to-live: a dead
// leader is replaced within two of them.
const DefaultLeaseTTL = 15 * time.Second

// MinLeaseTTL is the shortest lease_ttl accepted.
const MinLeaseTTL = time.Second

// Postgres keeps the state in a PostgreSQL database that several alerter
// replicas share.
type Postgres struct {
	// DSNFile holds the connection string (a postgres:// URL or key=value
	// pairs), so that its password is neither in this file nor on the
	// command line. Relative to the configuration file.
	DSNFile string `yaml:"dsn_file,omitempty"`
	// DSN is the connection string given with --storage.postgres.dsn; it
	// wins over DSNFile. It is never printed: not in logs, errors or the
	// configuration the API shows.
	DSN string `yaml:"-"`
	// LeaseTTL is how long the leader's lease lasts without renewal
	// (15s): it renews every third of it, steps down by itself when it
	// could not for four fifths of it, and another replica takes over
	// within two of them.
	LeaseTTL model.Duration `yaml:"lease_ttl,omitempty"`
	// ReplicaName names this replica in the cluster status (default: the
	// host name and the listen port).
	ReplicaName string `yaml:"replica_name,omitempty"`
	// AdvertiseURL is where the other replicas reach this one's API (a
	// follower forwards the alerts pushed to it to the leader). Default:
	// http:// and the listen address, with this host's name when it
	// listens on every interface.
	AdvertiseURL string `yaml:"advertise_url,omitempty"`
}

// Default fills the fields left empty with their defaults.
func (p *Postgres) Default() {
	if p.LeaseTTL == 0 {
		p.LeaseTTL = model.Duration(DefaultLeaseTTL)
	}
}

// ConnString returns the connection string: DSN, else the content of
// DSNFile. Its errors never quote the string.
func (p *Postgres) ConnString() (string, error) {
	if p.DSN != "" {
		return p.DSN, nil
	}
	if p.DSNFile == "" {
		return "", errors.New("storage.postgres: set dsn_file, or --storage.postgres.dsn")
	}
	b, err := os.ReadFile(p.DSNFile)
	if err != nil {
		return "", fmt.Errorf("storage.postgres.dsn_file: %w", err)
	}
	dsn := strings.TrimSpace(string(b))
	if dsn == "" {
		return "", fmt.Errorf("storage.postgres.dsn_file: %s is empty", p.DSNFile)
	}
	return dsn, nil
}
