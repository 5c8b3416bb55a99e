package config

import (
	"reflect"

	"go.yaml.in/yaml/v3"
)

// RestartNeeded reports whether next changes a setting that a reload does
// not apply, so that the change waits for a restart: the datasource URL,
// storage, the listen address, the web timeouts, silences.retention or
// remote_write.
func RestartNeeded(prev, next *Config) bool {
	return next.Datasource.URL != prev.Datasource.URL || !reflect.DeepEqual(next.Storage, prev.Storage) ||
		next.Web.ListenAddress != prev.Web.ListenAddress || next.Silences.Retention != prev.Silences.Retention ||
		next.Web.ReadTimeout != prev.Web.ReadTimeout || next.Web.WriteTimeout != prev.Web.WriteTimeout || next.Web.IdleTimeout != prev.Web.IdleTimeout ||
		!sameRemoteWrite(next, prev)
}

// KeepRestartSettings copies into c, a reloaded configuration, the
// settings of prev (the running one) that a reload does not apply: the
// whole datasource, storage, the listen address, the web timeouts,
// silences.retention and remote_write. c then describes what runs, and
// RestartNeeded keeps reporting a change until a restart.
func (c *Config) KeepRestartSettings(prev *Config) {
	c.Datasource, c.Storage, c.Web.ListenAddress = prev.Datasource, prev.Storage, prev.Web.ListenAddress
	c.Web.ReadTimeout, c.Web.WriteTimeout, c.Web.IdleTimeout = prev.Web.ReadTimeout, prev.Web.WriteTimeout, prev.Web.IdleTimeout
	c.Silences.Retention, c.RemoteWrite = prev.Silences.Retention, prev.RemoteWrite
}

// sameRemoteWrite reports whether two configurations write to the same
// endpoints the same way.
func sameRemoteWrite(a, b *Config) bool {
	x, err1 := yaml.Marshal(a.RemoteWrite)
	y, err2 := yaml.Marshal(b.RemoteWrite)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
