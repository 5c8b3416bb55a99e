package integration

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/pgtest"
	"github.com/alerter/alerter/internal/promtest"
)

// dsnSecret is the PostgreSQL password of the DSN tests below; the test
// server trusts local connections, so any password connects.
const dsnSecret = "S3CRET-PG-PASS-1d9f"

// withPassword puts dsnSecret into dsn as the password.
func withPassword(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), dsnSecret)
	return u.String()
}

// TestPostgresDSNNeverShown runs alerter on PostgreSQL with a password in
// its DSN, given on the command line and in dsn_file: the password shows in
// no log line and no API answer.
func TestPostgresDSNNeverShown(t *testing.T) {
	t.Parallel()
	dsn := withPassword(t, pgtest.DSN(t))
	bin := promtest.BuildAlerter(t)
	src := promtest.NewSource(t)
	prom := promtest.Start(t, promtest.Options{Targets: []string{src.Addr()}})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte("groups:\n- name: g\n  interval: 1s\n  rules:\n  - alert: A\n    expr: up > 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pg.dsn"), []byte(dsn), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, how := range []string{"flag", "dsn_file"} {
		t.Run(how, func(t *testing.T) {
			port := promtest.FreePort(t)
			cfg := fmt.Sprintf("datasource: {url: %s}\nrule_files: [rules.yml]\nweb: {listen_address: 127.0.0.1:%d}\n", prom.URL(), port)
			args := []string{"run", "--log.level", "debug"}
			if how == "flag" {
				args = append(args, "--storage.postgres.dsn", dsn)
			} else {
				cfg += "storage:\n  postgres:\n    dsn_file: pg.dsn\n"
			}
			path := filepath.Join(dir, how+".yml")
			if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			p := promtest.StartBinary(t, bin, append(args, "--config", path), nil)
			base := fmt.Sprintf("http://127.0.0.1:%d", port)
			p.WaitHTTP(t, base+"/-/ready", 60*time.Second)
			var answers strings.Builder
			waitUntil(t, 60*time.Second, "the replica to lead", func() bool {
				body, err := httpGet(base + "/api/v1/status/runtimeinfo")
				return err == nil && strings.Contains(body, `"leader":true`) && strings.Contains(body, `"storage":"postgres"`)
			})
			for _, path := range []string{"/api/v1/status/runtimeinfo", "/api/v2/status", "/metrics", "/api/v1/rules", "/api/v2/alerts"} {
				body, err := httpGet(base + path)
				if err != nil {
					t.Fatal(err)
				}
				answers.WriteString(body)
			}
			if err := p.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
			for what, text := range map[string]string{"the API": answers.String(), "the log": p.Log()} {
				if strings.Contains(text, dsnSecret) || strings.Contains(text, url.QueryEscape(dsnSecret)) {
					t.Errorf("the DSN's password shows in %s", what)
				}
			}
			if !strings.Contains(p.Log(), "postgres@127.0.0.1") {
				t.Errorf("the log does not name the database (user@host) it uses")
			}
		})
	}
}

// TestPostgresUnreachableRefusesToStart: a replica that cannot reach
// PostgreSQL (for ConnectWait) does not start; its error names the
// database but not the password.
func TestPostgresUnreachableRefusesToStart(t *testing.T) {
	t.Parallel()
	bin := promtest.BuildAlerter(t)
	dsn := fmt.Sprintf("postgres://alerter:%s@127.0.0.1:%d/alerter?connect_timeout=1", dsnSecret, promtest.FreePort(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "run", "--storage.postgres.dsn", dsn, "--web.listen-address", "127.0.0.1:0").CombinedOutput()
	if err == nil {
		t.Fatalf("alerter started without its database:\n%s", out)
	}
	if strings.Contains(string(out), dsnSecret) {
		t.Errorf("the password shows in the error:\n%s", out)
	}
	if !strings.Contains(string(out), "alerter@127.0.0.1") || !strings.Contains(string(out), "connecting") {
		t.Errorf("the error does not say what it could not reach:\n%s", out)
	}
}
