package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPostgresStorage(t *testing.T) {
	dir := t.TempDir()
	const dsn = "postgres://alerter:s3cret@db:5432/alerter"
	if err := os.WriteFile(filepath.Join(dir, "pg.dsn"), []byte(dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "alerter.yml")
	if err := os.WriteFile(path, []byte("storage:\n  postgres:\n    dsn_file: pg.dsn\n    replica_name: a-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pg := c.Storage.Postgres
	if pg == nil || pg.DSNFile != filepath.Join(dir, "pg.dsn") || pg.ReplicaName != "a-1" || time.Duration(pg.LeaseTTL) != DefaultLeaseTTL {
		t.Fatalf("storage.postgres %+v", pg)
	}
	got, err := pg.ConnString()
	if err != nil || got != dsn {
		t.Fatalf("ConnString = %q, %v", got, err)
	}
	// The flag's DSN wins, and neither shows in the configuration as YAML.
	pg.DSN = "postgres://other"
	if got, _ := pg.ConnString(); got != "postgres://other" {
		t.Fatalf("ConnString with a DSN = %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.dsn"), []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Postgres{{}, {DSNFile: filepath.Join(dir, "missing")}, {DSNFile: filepath.Join(dir, "empty.dsn")}} {
		if _, err := p.ConnString(); err == nil {
			t.Errorf("ConnString of %+v succeeded", p)
		}
	}
}

func TestPostgresStorageErrors(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"storage:\n  postgres:\n    lease_ttl: 500ms\n", []string{"3:16", "storage.postgres.lease_ttl", "at least 1s"}},
		{"storage:\n  postgres:\n    dsn: postgres://x\n", []string{"3:5", `unknown field "dsn"`}},
		{"storage:\n  postgres:\n    lease_ttl: soon\n", []string{"3:16", "lease_ttl"}},
	} {
		_, err := Parse([]byte(tt.in))
		if err == nil {
			t.Errorf("Parse(%q) succeeded", tt.in)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Parse(%q) = %v, want it to mention %q", tt.in, err, w)
			}
		}
	}
}
