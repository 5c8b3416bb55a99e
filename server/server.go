// Package server wires alerter's parts into one service that a test can
// start in-process: state store, datasource, evaluator, delivery and the
// HTTP API, plus reload and rule-file watching.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/datasource"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/ingest"
	"github.com/alerter/alerter/remotewrite"
	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/state/sqlite"
	"github.com/alerter/alerter/web"
)

// Options configure a Server.
type Options struct {
	// LoadConfig returns the configuration to use, flags applied. It is
	// called at start and on every reload.
	LoadConfig func() (*config.Config, error)
	Logger     *slog.Logger
	// Registry receives every metric; a new one is made when nil.
	Registry *prometheus.Registry
	Version  string
}

// Server is a running alerter.
type Server struct {
	opts  Options
	log   *slog.Logger
	reg   *prometheus.Registry
	cfg   *config.Config
	store *sqlite.Store
	mgr   *evaluator.Manager
	// ingest holds the alerts pushed to the API.
	ingest *ingest.Ingester
	// rw writes recorded samples and ALERTS series to remote_write.
	rw    *remotewrite.Writer
	deliv *pipeline
	api   *web.API
	auth  *web.Auth
	ln    net.Listener

	silences    *silence.Silences
	silenceWake chan struct{}
	acks        *ack.Acks
	slackInt    slackInteractions

	pending *rules.Set

	reloadMu   sync.Mutex
	reloadStat web.ReloadStatus
	rulesHash  string

	reloadOK   prometheus.Gauge
	reloadTime prometheus.Gauge
}

// New loads the configuration and rules, opens the state store and builds
// every part. Nothing runs until Run. A configuration or rule error here is
// fatal: there is no last good configuration to fall back to.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
		opts.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s := &Server{opts: opts, log: opts.Logger, reg: opts.Registry}
	s.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "alerter_config_last_reload_successful",
		Help: "Whether the last configuration reload attempt was successful.",
	})
	s.reloadTime = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "alerter_config_last_reload_success_timestamp_seconds",
		Help: "Timestamp of the last successful configuration reload.",
	})
	s.reg.MustRegister(s.reloadOK, s.reloadTime)
	s.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "alerter_build_info",
		Help:        "A metric with a constant '1' value labeled by version.",
		ConstLabels: prometheus.Labels{"version": opts.Version},
	}, func() float64 { return 1 }))

	cfg, err := opts.LoadConfig()
	if err != nil {
		return nil, err
	}
	set, err := rules.LoadFiles(cfg.RuleFiles)
	if err != nil {
		return nil, fmt.Errorf("loading rules: %w", err)
	}
	for _, w := range set.Warnings {
		s.log.Warn(w.Error())
	}
	s.cfg = cfg
	if err := s.openRemoteWrite(cfg); err != nil {
		return nil, err
	}
	s.warnUnrecorded(set, cfg)

	ds, err := datasource.New(datasource.Options{
		URL:        cfg.Datasource.URL,
		HTTPConfig: cfg.Datasource.HTTPClientConfig,
		Timeout:    time.Duration(cfg.Datasource.Timeout),
		UserAgent:  "alerter/" + opts.Version,
	})
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(sqlite.Options{Dir: cfg.Storage.Path, Logger: s.log})
	if err != nil {
		return nil, fmt.Errorf("opening state store: %w", err)
	}
	s.store = st
	if err := s.openSilences(cfg); err != nil {
		_ = st.Close()
		return nil, err
	}
	if err := s.openAcks(); err != nil {
		_ = st.Close()
		return nil, err
	}
	if err := s.openIngest(cfg); err != nil {
		_ = st.Close()
		return nil, err
	}

	s.deliv, err = newPipeline(s, cfg)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	s.mgr, err = evaluator.New(evalOptions(cfg, ds, st, s))
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	s.pending = set
	start := time.Now()
	write, read, err := cfg.Web.Auth.Tokens()
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	s.auth = &web.Auth{}
	s.auth.SetTokens(write, read)
	s.api = web.New(web.Options{
		Auth:       s.auth,
		Rules:      s.mgr,
		Ready:      s.ready,
		Reload:     s.Reload,
		LastReload: s.lastReload,
		Metrics:    promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}),
		Logger:     s.log,
		StartTime:  start,
		// Pushed alerts: Alertmanager's API v1 shape, and the listing.
		PushedAlerts: s.ingest.Alerts,
		Push:         s.ingest,
		Datasource: func() web.DatasourceStatus {
			s.reloadMu.Lock()
			u := s.cfg.Datasource.URL
			s.reloadMu.Unlock()
			return web.DatasourceStatus{URL: redactedURL(u), FailingSince: s.mgr.DatasourceFailingSince()}
		},
		Storage: "sqlite:" + cfg.Storage.Path,
	})
	if err := s.mountAMAPI(start); err != nil {
		_ = st.Close()
		return nil, err
	}
	if err := s.mountAckAPI(); err != nil {
		_ = st.Close()
		return nil, err
	}
	if err := s.slackInt.configure(s, cfg); err != nil {
		_ = st.Close()
		return nil, err
	}
	s.api.Handle("/slack/interactions", &s.slackInt)
	if err := s.mountUI(); err != nil {
		_ = st.Close()
		return nil, err
	}
	return s, nil
}

func evalOptions(cfg *config.Config, ds evaluator.Querier, st *sqlite.Store, s *Server) evaluator.Options {
	ext := model.LabelSet{}
	for k, v := range cfg.Global.ExternalLabels {
		ext[model.LabelName(k)] = model.LabelValue(v)
	}
	downAfter := 5 * time.Minute
	if cfg.Datasource.DownAlertAfter != nil {
		downAfter = time.Duration(*cfg.Datasource.DownAlertAfter)
		if downAfter == 0 {
			downAfter = -1
		}
	}
	rewrite := cfg.Datasource.RewriteQueries == nil || *cfg.Datasource.RewriteQueries
	gen := cfg.Datasource.GeneratorURL
	if gen == "" {
		// Links go to receivers: never with the datasource's credentials.
		gen = stripUserinfo(cfg.Datasource.URL)
	}
	return evaluator.Options{
		Querier:             ds,
		Store:               st,
		Logger:              s.log,
		Registerer:          s.reg,
		DefaultInterval:     time.Duration(cfg.Global.EvaluationInterval),
		DefaultQueryOffset:  time.Duration(cfg.Global.QueryOffset),
		QueryTimeout:        time.Duration(cfg.Datasource.Timeout),
		ExternalLabels:      ext,
		ExternalURL:         cfg.Global.ExternalURL,
		GeneratorURLBase:    gen,
		ResolvedRetention:   time.Duration(cfg.Global.ResolvedRetention),
		OutageTolerance:     time.Duration(cfg.Global.OutageTolerance),
		DatasourceDownAfter: downAfter,
		DatasourceName:      redactedURL(cfg.Datasource.URL),
		OnEvents:            s.onAlertEvents,
		OnEvaluated:         s.onEvaluated,
		NoPushdown:          !rewrite,
		NoBatching:          !rewrite,
		Appender:            s.appender(),
	}
}

// Handler is the HTTP API, for tests that serve it themselves.
func (s *Server) Handler() http.Handler { return s.api }

// Addr is the address the HTTP server listens on, once Run has started it.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Manager exposes the evaluator, for in-process tests.
func (s *Server) Manager() *evaluator.Manager { return s.mgr }

// Listen binds the HTTP listener, so that callers learn the address
// (":0" picks a free port) before Run.
func (s *Server) Listen() error {
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Web.ListenAddress)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.Web.ListenAddress, err)
	}
	s.ln = ln
	return nil
}

// Run restores state, starts evaluating and delivering, serves HTTP, and
// returns when ctx ends (after a graceful shutdown) or the server fails.
func (s *Server) Run(ctx context.Context) error {
	defer s.store.Close()
	if err := s.Listen(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	if err := s.mgr.Start(ctx, s.pending); err != nil {
		return err
	}
	if err := s.ingest.Restore(ctx, time.Now()); err != nil {
		s.mgr.Stop()
		return err
	}
	s.rulesHash = hashRuleFiles(s.cfg.RuleFiles)
	s.setReloadStatus(nil)
	s.pending = nil

	var wg sync.WaitGroup
	wg.Add(6)
	go func() { defer wg.Done(); s.deliv.run(ctx) }()
	go func() { defer wg.Done(); s.rw.Run(ctx) }()
	go func() { defer wg.Done(); s.ingest.Run(ctx) }()
	go func() { defer wg.Done(); s.watchRuleFiles(ctx) }()
	go func() { defer wg.Done(); s.prune(ctx) }()
	go func() { defer wg.Done(); s.maintainSilences(ctx) }()

	srv := &http.Server{Handler: s.api, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.ln) }()
	s.log.Info("alerter started", "address", s.ln.Addr().String(), "datasource", redactedURL(s.cfg.Datasource.URL), "storage", s.cfg.Storage.Path)

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	}
	shutCtx, c2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer c2()
	_ = srv.Shutdown(shutCtx)
	s.mgr.Stop()
	cancel()
	wg.Wait()
	s.log.Info("alerter stopped")
	return err
}
