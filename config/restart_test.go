package config

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

const restartBase = `
datasource: {url: "http://prom:9090", timeout: 30s}
storage: {path: /var/lib/alerter}
web: {listen_address: ":9095", read_timeout: 30s}
silences: {retention: 120h}
remote_write: [{url: "http://prom:9090/api/v1/write"}]
route: {receiver: a}
receivers: [{name: a}, {name: b}]
`

func mustParse(t *testing.T, doc string) *Config {
	t.Helper()
	c, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRestartSettings: each setting a reload does not apply is reported
// and kept as it runs; the others are not reported and are applied.
func TestRestartSettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(c *Config)
		restart bool
	}{
		{"nothing", func(c *Config) {}, false},
		{"datasource.url", func(c *Config) { c.Datasource.URL = "http://other:9090" }, true},
		{"storage.path", func(c *Config) { c.Storage.Path = "/elsewhere" }, true},
		{"storage.postgres", func(c *Config) { c.Storage.Postgres = &Postgres{DSN: "postgres://x"} }, true},
		{"web.listen_address", func(c *Config) { c.Web.ListenAddress = ":9096" }, true},
		{"web.read_timeout", func(c *Config) { c.Web.ReadTimeout = model.Duration(time.Minute) }, true},
		{"web.write_timeout", func(c *Config) { c.Web.WriteTimeout = model.Duration(time.Minute) }, true},
		{"web.idle_timeout", func(c *Config) { c.Web.IdleTimeout = model.Duration(time.Minute) }, true},
		{"silences.retention", func(c *Config) { c.Silences.Retention = model.Duration(time.Hour) }, true},
		{"remote_write removed", func(c *Config) { c.RemoteWrite = nil }, true},
		{"remote_write url", func(c *Config) {
			c.RemoteWrite = mustParse(t, `remote_write: [{url: "http://other:9090/api/v1/write"}]`).RemoteWrite
		}, true},
		// Applied by a reload.
		{"route", func(c *Config) { c.Route.Receiver = "b" }, false},
		{"datasource.timeout (applied at the next restart, not reported)", func(c *Config) {
			c.Datasource.Timeout = model.Duration(time.Minute)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev, next := mustParse(t, restartBase), mustParse(t, restartBase)
			tc.change(next)
			if got := RestartNeeded(prev, next); got != tc.restart {
				t.Errorf("RestartNeeded = %v, want %v", got, tc.restart)
			}
			wantReceiver := next.Route.Receiver
			next.KeepRestartSettings(prev)
			if RestartNeeded(prev, next) {
				t.Error("still a restart setting changed after KeepRestartSettings")
			}
			if next.Datasource.Timeout != prev.Datasource.Timeout || next.Datasource.URL != prev.Datasource.URL {
				t.Error("the datasource is not kept whole")
			}
			if next.Route.Receiver != wantReceiver {
				t.Errorf("route.receiver %q, want %q: a reloadable setting was reverted", next.Route.Receiver, wantReceiver)
			}
		})
	}
}
