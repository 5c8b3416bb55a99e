package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/rules/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example rules: %v", err)
	}
	args := append([]string{"check", "../../examples/alerter.yml"}, files...)
	code, out, errs := runCLI(args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	// The examples are clean: recording rules are evaluated (with the
	// example's remote_write), so they no longer warn.
	if !strings.Contains(out, "SUCCESS") || strings.Contains(out, "WARNING") {
		t.Fatalf("output:\n%s", out)
	}
}

// TestCheckHAExample checks the configuration every replica of
// examples/ha runs.
func TestCheckHAExample(t *testing.T) {
	code, out, errs := runCLI("check", "../../examples/ha/alerter.yml")
	if code != 0 || !strings.Contains(out, "SUCCESS") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

func TestCheckReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	bad1 := write(t, dir, "bad1.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up ==\n")
	bad2 := write(t, dir, "bad2.yml", "groups:\n- name: g\n  rules:\n  - alert: B\n    expr: up\n    condition: value + 1\n    bogus: 1\n")
	good := write(t, dir, "good.yml", "groups:\n- name: g\n  rules:\n  - alert: C\n    expr: up == 0\n")
	cfg := write(t, dir, "alerter.yml", "rule_files: [good.yml]\nglobal: {evaluation_interval: soon}\n")
	code, out, errs := runCLI("check", bad1, bad2, good, cfg)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{bad1 + ":5:", bad2 + ":6:", bad2 + ":7:", `"bogus"`, "alerter.yml:2:", "evaluation_interval"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr does not mention %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "Checking "+good+"\n  SUCCESS: 1 rules found") {
		t.Errorf("good file not reported:\n%s", out)
	}
}

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := runCLI("version"); code != 0 || !strings.HasPrefix(out, "alerter, version ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errs := runCLI("run", "-h"); code != 0 || !strings.Contains(errs, "-datasource.url") {
		t.Fatalf("run -h: %d %q", code, errs)
	}
	if code, _, _ := runCLI(); code != 2 {
		t.Fatalf("no args: %d", code)
	}
	if code, _, errs := runCLI("frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("unknown: %d %q", code, errs)
	}
	if code, _, errs := runCLI("run", "--log.format", "xml"); code != 2 || !strings.Contains(errs, "log.format") {
		t.Fatalf("bad log format: %d %q", code, errs)
	}
}

func TestRunFlagsOverrideConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := write(t, dir, "alerter.yml", "datasource: {url: http://file:9090}\nrule_files: [a.yml]\n")
	f := runFlags{configFile: cfg, datasourceURL: "http://flag:9090", rules: stringList{"x/*.yml", "y.yml"}, storagePath: "/tmp/s"}
	c, err := f.loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.Datasource.URL != "http://flag:9090" || strings.Join(c.RuleFiles, ",") != "x/*.yml,y.yml" || c.Storage.Path != "/tmp/s" {
		t.Fatalf("overrides not applied: %+v", c)
	}
	f = runFlags{}
	c, err = f.loadConfig()
	if err != nil || c.Datasource.URL != "http://localhost:9090" || c.Storage.Path != "data" || c.Storage.Postgres != nil {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	// --storage.postgres.dsn switches to PostgreSQL, with the defaults,
	// and wins over dsn_file.
	f = runFlags{postgresDSN: "postgres://a:b@db/alerter"}
	c, err = f.loadConfig()
	if err != nil || c.Storage.Postgres == nil || c.Storage.Postgres.DSN != "postgres://a:b@db/alerter" || c.Storage.Postgres.LeaseTTL == 0 {
		t.Fatalf("--storage.postgres.dsn: %+v %v", c.Storage.Postgres, err)
	}
	cfg = write(t, dir, "pg.yml", "storage:\n  postgres:\n    dsn_file: pg.dsn\n    lease_ttl: 5s\n")
	f = runFlags{configFile: cfg, postgresDSN: "postgres://flag"}
	c, err = f.loadConfig()
	if err != nil || c.Storage.Postgres.DSN != "postgres://flag" || c.Storage.Postgres.LeaseTTL.String() != "5s" {
		t.Fatalf("flag over dsn_file: %+v %v", c.Storage.Postgres, err)
	}
	if dsn, err := c.Storage.Postgres.ConnString(); err != nil || dsn != "postgres://flag" {
		t.Fatalf("ConnString = %q, %v", dsn, err)
	}
}

// TestSilenceLimitFlags: Alertmanager's flags override the file; 0 given
// means no limit, and a negative value is refused.
func TestSilenceLimitFlags(t *testing.T) {
	dir := t.TempDir()
	cfgFile := write(t, dir, "alerter.yml", "silences:\n  max_silences: 7\n  max_silence_size_bytes: 300\n")
	parse := func(args ...string) *runFlags {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		var f runFlags
		f.register(fs)
		if err := fs.Parse(append([]string{"--config", cfgFile}, args...)); err != nil {
			t.Fatal(err)
		}
		f.noteSet(fs)
		return &f
	}
	f := parse()
	cfg, err := f.loadConfig()
	if err != nil || cfg.Silences.MaxSilences != 7 || cfg.Silences.MaxSilenceSizeBytes != 300 {
		t.Fatalf("from the file: %+v %v", cfg, err)
	}
	f = parse("--silences.max-silences=0", "--silences.max-silence-size-bytes", "1024")
	cfg, err = f.loadConfig()
	if err != nil || cfg.Silences.MaxSilences != 0 || cfg.Silences.MaxSilenceSizeBytes != 1024 || cfg.Silences.Limits().MaxSilences != -1 {
		t.Fatalf("from flags: %+v %v", cfg.Silences, err)
	}
	f = parse("--silences.max-silences=-1")
	if _, err := f.loadConfig(); err == nil || !strings.Contains(err.Error(), "--silences.max-silences") {
		t.Fatalf("negative: %v", err)
	}
}
