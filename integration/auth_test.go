package integration

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTokenProtectsMutations runs amtool against an alerter whose API
// needs a bearer token for changes: without it amtool is refused, with
// its standard --http.config.file it works, and reads stay open.
func TestTokenProtectsMutations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Guarded
        expr: test_value > 0.5
`)
	tokenFile := filepath.Join(e.dir, "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret-api-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "web:\n", "web:\n  auth:\n    token_file: token\n", 1))
	if err := os.WriteFile(e.cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitAlert("Guarded", "firing")

	am := newAmtool(t, e)
	if out, errOut, err := am.try("", "silence", "add", "alertname=Guarded", "--comment=c", "--author=a", "--duration=1h"); err == nil {
		t.Fatalf("silence added without a token: %s %s", out, errOut)
	}
	if code, body := e.post("/-/reload"); code != http.StatusUnauthorized || strings.Contains(body, "token") {
		t.Fatalf("reload without a token: %d %q", code, body)
	}
	// Reads are open without a read token.
	if out := am.run("silence", "query"); strings.Contains(out, "Guarded") {
		t.Fatalf("unexpected silence: %s", out)
	}
	httpCfg := filepath.Join(e.dir, "amtool-http.yml")
	if err := os.WriteFile(httpCfg, []byte("authorization:\n  credentials: s3cret-api-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(am.run("--http.config.file="+httpCfg, "silence", "add", "alertname=Guarded", "--comment=c", "--author=a", "--duration=1h"))
	if id == "" {
		t.Fatal("no silence id")
	}
	if out := am.run("silence", "query"); !strings.Contains(out, id) {
		t.Fatalf("silence %s not listed: %s", id, out)
	}
	if strings.Contains(e.proc.Log(), "s3cret-api-token") {
		t.Fatal("the API token appears in the log")
	}
}
