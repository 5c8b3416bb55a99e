package main

import (
	"flag"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/config"
)

// runFlags are `alerter run`'s flags. Those that are set override the
// configuration file, on start and on every reload.
type runFlags struct {
	configFile         string
	datasourceURL      string
	rules              stringList
	storagePath        string
	postgresDSN        string
	listenAddress      string
	evaluationInterval time.Duration
	logFormat          string
	logLevel           string
	set                map[string]bool
}

type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

func (f *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.configFile, "config", "", "configuration file (alerter.yml); without it, defaults apply")
	fs.StringVar(&f.datasourceURL, "datasource.url", "", "Prometheus URL (default "+config.DefaultDatasourceURL+")")
	fs.Var(&f.rules, "rules", "rule file glob; repeatable; replaces the config's rule_files")
	fs.StringVar(&f.storagePath, "storage.path", "", "state directory (default ./"+config.DefaultStoragePath+")")
	fs.StringVar(&f.postgresDSN, "storage.postgres.dsn", "", "keep state in this PostgreSQL database, shared by several replicas, instead of SQLite\n(prefer storage.postgres.dsn_file in the config: a password here shows in the process list)")
	fs.StringVar(&f.listenAddress, "web.listen-address", "", "HTTP listen address (default "+config.DefaultListenAddress+")")
	fs.DurationVar(&f.evaluationInterval, "evaluation-interval", 0, "default group evaluation interval (default 1m)")
	fs.StringVar(&f.logFormat, "log.format", "logfmt", "log format: logfmt or json")
	fs.StringVar(&f.logLevel, "log.level", "info", "log level: debug, info, warn or error")
}

// loadConfig reads the configuration file (or the defaults) and applies the
// flags over it.
func (f *runFlags) loadConfig() (*config.Config, error) {
	cfg := config.Default()
	if f.configFile != "" {
		c, err := config.LoadFile(f.configFile)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if f.datasourceURL != "" {
		cfg.Datasource.URL = f.datasourceURL
	}
	if len(f.rules) > 0 {
		cfg.RuleFiles = append([]string(nil), f.rules...)
	}
	if f.storagePath != "" {
		cfg.Storage.Path = f.storagePath
	}
	if f.postgresDSN != "" {
		if cfg.Storage.Postgres == nil {
			cfg.Storage.Postgres = &config.Postgres{}
			cfg.Storage.Postgres.Default()
		}
		cfg.Storage.Postgres.DSN = f.postgresDSN
	}
	if f.listenAddress != "" {
		cfg.Web.ListenAddress = f.listenAddress
	}
	if f.evaluationInterval > 0 {
		cfg.Global.EvaluationInterval = model.Duration(f.evaluationInterval)
	}
	return cfg, nil
}
