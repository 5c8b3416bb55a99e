package main

import (
	"flag"
	"fmt"
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
	maxSilences        int
	maxSilenceSize     int
	// set holds the names of the flags given on the command line.
	set map[string]bool
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
	fs.IntVar(&f.maxSilences, "silences.max-silences", 0, "maximum number of active and pending silences; 0: no limit (default from silences.max_silences, 5000)")
	fs.IntVar(&f.maxSilenceSize, "silences.max-silence-size-bytes", 0, "maximum size of a silence's creator, comment and matchers; 0: no limit (default from silences.max_silence_size_bytes, 16384)")
}

// noteSet records which flags were given, once fs is parsed: for the
// limits, 0 given means "no limit", not "not given".
func (f *runFlags) noteSet(fs *flag.FlagSet) {
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
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
	if f.set["silences.max-silences"] {
		if f.maxSilences < 0 {
			return nil, fmt.Errorf("--silences.max-silences must not be negative (0: no limit), got %d", f.maxSilences)
		}
		cfg.Silences.MaxSilences = f.maxSilences
	}
	if f.set["silences.max-silence-size-bytes"] {
		if f.maxSilenceSize < 0 {
			return nil, fmt.Errorf("--silences.max-silence-size-bytes must not be negative (0: no limit), got %d", f.maxSilenceSize)
		}
		cfg.Silences.MaxSilenceSizeBytes = f.maxSilenceSize
	}
	return cfg, nil
}
