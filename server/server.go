// Package server wires alerter's parts into one service that a test can
// start in-process: state store, datasource, evaluator, delivery and the
// HTTP API, plus reload and rule-file watching. With a store that several
// replicas share, it also wires the leader loop (package cluster): every
// replica serves the API, and only the leader evaluates and delivers.
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
	"github.com/alerter/alerter/cluster"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/datasource"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/ingest"
	"github.com/alerter/alerter/quality"
	"github.com/alerter/alerter/remotewrite"
	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/state"
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
	opts    Options
	log     *slog.Logger
	reg     *prometheus.Registry
	cfg     *config.Config
	backend *backend
	store   stateStore
	mgr     *evaluator.Manager
	// ingest holds the alerts pushed to the API (while leading).
	ingest *ingest.Ingester
	// forwarder sends alerts pushed to a follower on to the leader.
	forwarder *ingest.Forwarder
	// rw writes recorded samples and ALERTS series to remote_write.
	rw      *remotewrite.Writer
	deliv   *pipeline
	api     *web.API
	auth    *web.Auth
	ln      net.Listener
	origins *web.Origins
	// pushToken is the write token, sent when a follower forwards pushed
	// alerts to the leader (guarded by reloadMu).
	pushToken string

	// quality keeps the per-rule alert-quality metrics.
	quality *quality.Recorder

	silences    *silence.Silences
	silenceWake chan struct{}
	acks        *ack.Acks
	slackInt    slackInteractions

	// The cluster: this replica, its leader loop, the cached view of the
	// stored alerts it serves while not leading, and (shared store only)
	// the change watcher and the heartbeat.
	self      state.Replica
	elector   *cluster.Elector
	view      *cluster.View
	watcher   *cluster.Watcher
	heartbeat *cluster.Heartbeat

	reloadMu   sync.Mutex
	ruleSet    *rules.Set // the rules in effect (guarded by reloadMu)
	reloadStat web.ReloadStatus
	// ruleWatch reloads when the rule files change.
	ruleWatch rules.Watcher

	reloadOK   prometheus.Gauge
	reloadTime prometheus.Gauge
	// reloadFault, set by tests, makes a reload fail at a stage.
	reloadFault func(reloadStage) error
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
	logRuleWarnings(s.log, set.Warnings)
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
	b, err := openBackend(cfg, s.log)
	if err != nil {
		return nil, fmt.Errorf("opening state store: %w", err)
	}
	s.backend, s.store = b, b.store
	if err := s.build(cfg, ds, set); err != nil {
		_ = b.store.Close()
		return nil, err
	}
	return s, nil
}

// build makes every part over the opened store.
func (s *Server) build(cfg *config.Config, ds evaluator.Querier, set *rules.Set) error {
	b := s.backend
	s.quality = quality.New(s.reg)
	s.quality.SetFlapEvaluations(cfg.AlertQuality.FlapEvaluations)
	if err := s.openSilences(cfg); err != nil {
		return err
	}
	if err := s.openAcks(cfg); err != nil {
		return err
	}
	if err := s.openIngest(cfg); err != nil {
		return err
	}
	s.forwarder = s.newForwarder()
	var err error
	if s.deliv, err = newPipeline(s, cfg); err != nil {
		return err
	}
	if s.mgr, err = evaluator.New(evalOptions(cfg, ds, b.store, s)); err != nil {
		return err
	}
	// The rules are shown at once; they run while this replica leads.
	if err := s.mgr.Update(context.Background(), set); err != nil {
		return err
	}
	s.ruleSet = set
	if err := s.buildCluster(cfg); err != nil {
		return err
	}
	start := time.Now()
	write, read, err := cfg.Web.Auth.Tokens()
	if err != nil {
		return err
	}
	s.auth = &web.Auth{}
	s.auth.SetTokens(write, read)
	s.pushToken = write
	s.origins = &web.Origins{}
	if err := s.origins.SetAllowed(cfg.Global.ExternalURL, cfg.Web.AllowedOrigins); err != nil {
		return err
	}
	s.api = web.New(web.Options{
		Auth:        s.auth,
		Origins:     s.origins,
		Rules:       ruleSource{s},
		Ready:       s.ready,
		Reload:      s.Reload,
		LastReload:  s.lastReload,
		Metrics:     promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}),
		Logger:      s.log,
		StartTime:   start,
		RuntimeInfo: s.runtimeInfo,
		// Pushed alerts: Alertmanager's API v1 shape, and the listing.
		PushedAlerts: s.pushedAlerts,
		Push:         pushRouter{s},
		Report:       s.report,
		Datasource: func() web.DatasourceStatus {
			s.reloadMu.Lock()
			u := s.cfg.Datasource.URL
			s.reloadMu.Unlock()
			return web.DatasourceStatus{URL: config.RedactedURL(u), FailingSince: s.mgr.DatasourceFailingSince()}
		},
	})
	if err := s.mountAMAPI(start); err != nil {
		return err
	}
	if err := s.mountAckAPI(); err != nil {
		return err
	}
	if err := s.slackInt.configure(s, cfg); err != nil {
		return err
	}
	s.api.Handle("/slack/interactions", &s.slackInt)
	return s.mountUI()
}

func evalOptions(cfg *config.Config, ds evaluator.Querier, st state.Store, s *Server) evaluator.Options {
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
		gen = config.StripUserinfo(cfg.Datasource.URL)
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
		DatasourceName:      config.RedactedURL(cfg.Datasource.URL),
		OnEvents:            s.onAlertEvents,
		// Followers show the leader's rule health: only a shared store
		// has followers.
		StoreStatus:   s.backend.shared != nil,
		OnEvaluated:   s.onEvaluated,
		NoPushdown:    !rewrite,
		NoBatching:    !rewrite,
		Appender:      s.appender(),
		FlapDetection: cfg.Global.FlapDetection.Rules(),
		Quality:       s.quality,
	}
}

// warnIfOpen logs that the mutating API is open to anyone who can reach
// the listen address, when cfg sets no write token.
func (s *Server) warnIfOpen(cfg *config.Config) {
	if cfg.Web.Auth.TokenFile != "" {
		return
	}
	addr := cfg.Web.ListenAddress
	if s.ln != nil {
		addr = s.ln.Addr().String()
	}
	s.log.Warn(web.OpenAPIWarning(addr))
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

// Run serves HTTP and runs the leader loop: while this replica holds the
// leadership lease (always, with SQLite) it restores state, evaluates and
// delivers. It returns when ctx ends (after a graceful shutdown, which
// hands the leadership over) or the server fails.
func (s *Server) Run(ctx context.Context) error {
	defer s.store.Close()
	if err := s.Listen(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// A reload (SIGHUP) may already run: s.cfg is read under its lock.
	s.reloadMu.Lock()
	s.ruleWatch.Loaded(s.cfg.RuleFiles)
	s.setReloadStatus(nil)
	startCfg := s.cfg
	s.reloadMu.Unlock()

	var wg sync.WaitGroup
	wg.Go(func() { s.watchRuleFiles(ctx) })
	wg.Go(func() { s.rw.Run(ctx) })
	wg.Go(func() { s.elector.Run(ctx) })
	if s.watcher != nil {
		wg.Go(func() { s.watcher.Run(ctx) })
		wg.Go(func() { s.heartbeat.Run(ctx) })
	}

	srv := web.NewHTTPServer(ingest.MarkForwarded(s.api), web.Timeouts{
		Read:  time.Duration(startCfg.Web.ReadTimeout),
		Write: time.Duration(startCfg.Web.WriteTimeout),
		Idle:  time.Duration(startCfg.Web.IdleTimeout),
	}, s.log.With("component", "http"))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.ln) }()
	s.log.Info("alerter started", "address", s.ln.Addr().String(), "datasource", config.RedactedURL(startCfg.Datasource.URL),
		"storage", s.backend.kind, "location", s.backend.where, "replica", s.self.Name)
	s.warnIfOpen(startCfg)

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
	cancel() // the leader's work stops, then the lease is released
	wg.Wait()
	s.log.Info("alerter stopped")
	return err
}
