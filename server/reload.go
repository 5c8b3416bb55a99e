package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/notifiers/slack"
	"github.com/alerter/alerter/rules"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/web"
)

// Reload re-reads the configuration and rule files and applies them. If
// anything is wrong, nothing is applied: the last good configuration keeps
// running and the error is reported (log, metric, API, return value).
// Settings that need a restart (datasource, storage, listen address) are
// reported in the log and not applied.
func (s *Server) Reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	err := s.reload(ctx)
	s.setReloadStatus(err)
	if err != nil {
		s.log.Error("reload failed; keeping the last good configuration", "err", err)
		return err
	}
	s.log.Info("configuration reloaded")
	return nil
}

// reload applies all of the new configuration or none of it: every step
// that can fail (reading and checking the configuration, the rules, the
// token and secret files, building the notification pipeline and the
// maintenance windows) runs first, into values not yet in use; only then
// are they swapped in, by steps that cannot fail.
func (s *Server) reload(ctx context.Context) error {
	next, err := s.prepareReload()
	if err != nil {
		return err
	}
	// The evaluator's update fails only when it is not running, before
	// anything was changed; the flap detection default applies with it.
	prevFlap := s.cfg.Global.FlapDetection.Rules()
	s.mgr.SetFlapDetection(next.cfg.Global.FlapDetection.Rules())
	if err := s.mgr.Update(ctx, next.rules); err != nil {
		s.mgr.SetFlapDetection(prevFlap)
		return err
	}
	s.quality.SetFlapEvaluations(next.cfg.AlertQuality.FlapEvaluations)
	s.ruleSet = next.rules
	s.pushToken = next.writeToken
	s.deliv.swap(next.pipeline)
	s.auth.SetTokens(next.writeToken, next.readToken)
	_ = s.origins.SetAllowed(next.cfg.Global.ExternalURL, next.cfg.Web.AllowedOrigins) // checked in prepareReload
	s.silences.SetLimits(next.cfg.Silences.Limits())
	s.acks.SetLimits(next.cfg.Acknowledgements.Limits())
	if next.writeToken == "" && s.cfg.Web.Auth.TokenFile != "" {
		s.warnIfOpen(next.cfg)
	}
	s.slackInt.cur.Store(next.slack)
	s.silences.ApplyWindows(next.windows)
	cfg := next.cfg
	// Keep the settings that were not applied, so the comparison in
	// prepareReload keeps warning until a restart.
	cfg.KeepRestartSettings(s.cfg)
	s.ingest.SetResolveTimeout(time.Duration(cfg.Global.ResolveTimeout))
	s.cfg = cfg
	s.ruleWatch.Loaded(cfg.RuleFiles)
	return nil
}

// reloadStage names a step of prepareReload, for tests that make one fail.
type reloadStage string

// The steps of prepareReload, in order.
const (
	stageConfig   reloadStage = "config"
	stageRules    reloadStage = "rules"
	stageTokens   reloadStage = "tokens"
	stageSlack    reloadStage = "slack_interactions"
	stagePipeline reloadStage = "pipeline"
	stageWindows  reloadStage = "maintenance_windows"
)

// prepared is everything a reload puts in effect, built and checked.
type prepared struct {
	cfg                   *config.Config
	rules                 *rules.Set
	writeToken, readToken string
	slack                 *slack.InteractionHandler
	pipeline              *built
	windows               *silence.PreparedWindows
}

// prepareReload builds everything the new configuration needs without
// changing anything in use.
func (s *Server) prepareReload() (*prepared, error) {
	var p prepared
	fault := func(st reloadStage) error {
		if s.reloadFault != nil {
			return s.reloadFault(st)
		}
		return nil
	}
	var err error
	if err = fault(stageConfig); err == nil {
		p.cfg, err = s.opts.LoadConfig()
	}
	if err != nil {
		return nil, err
	}
	cfg := p.cfg
	if err = fault(stageRules); err == nil {
		p.rules, err = rules.LoadFiles(cfg.RuleFiles)
	}
	if err != nil {
		return nil, fmt.Errorf("loading rules: %w", err)
	}
	logRuleWarnings(s.log, p.rules.Warnings)
	if config.RestartNeeded(s.cfg, cfg) {
		s.log.Warn("datasource, storage, listen address, web timeouts, silences.retention and remote_write changes take effect after a restart")
	}
	s.warnUnrecorded(p.rules, cfg)
	if err = fault(stageTokens); err == nil {
		p.writeToken, p.readToken, err = cfg.Web.Auth.Tokens()
	}
	if err != nil {
		return nil, err
	}
	if err := (&web.Origins{}).SetAllowed(cfg.Global.ExternalURL, cfg.Web.AllowedOrigins); err != nil {
		return nil, err
	}
	if err = fault(stageSlack); err == nil {
		p.slack, err = buildSlackHandler(s, cfg)
	}
	if err != nil {
		return nil, err
	}
	if err = fault(stagePipeline); err == nil {
		p.pipeline, err = s.deliv.build(cfg)
	}
	if err != nil {
		return nil, err
	}
	if err = fault(stageWindows); err == nil {
		p.windows, err = silence.PrepareWindows(cfg.MaintenanceWindows)
	}
	if err != nil {
		return nil, fmt.Errorf("maintenance_windows: %w", err)
	}
	return &p, nil
}

func (s *Server) setReloadStatus(err error) {
	st := web.ReloadStatus{Success: err == nil, At: time.Now()}
	if err != nil {
		st.Error = err.Error()
		s.reloadOK.Set(0)
	} else {
		s.reloadOK.Set(1)
		s.reloadTime.Set(float64(st.At.Unix()))
	}
	s.reloadStat = st
}

func (s *Server) lastReload() web.ReloadStatus {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	return s.reloadStat
}

// watchRuleFiles reloads when the set of rule files or their content
// changes (rules.Watcher).
func (s *Server) watchRuleFiles(ctx context.Context) {
	iv := 5 * time.Second
	s.reloadMu.Lock()
	if s.cfg.Web.RuleFileCheckInterval != nil {
		iv = time.Duration(*s.cfg.Web.RuleFileCheckInterval)
	}
	s.reloadMu.Unlock()
	s.ruleWatch.Run(ctx, iv, func(ctx context.Context) error {
		s.log.Info("rule files changed, reloading")
		return s.Reload(ctx)
	})
}

// prune deletes, every hour, alert events the dispatcher consumed more
// than an hour ago, notifications delivered more than a day ago, and
// episodes beyond alert_quality's retention and count, so the store does
// not grow without bound. Nothing undelivered is ever pruned. The leader
// does it.
func (s *Server) prune(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if n, err := s.store.PruneDelivered(ctx, now.Add(-time.Hour)); err != nil {
			s.log.Warn("pruning consumed alert events failed", "err", err)
		} else if n > 0 {
			s.log.Debug("pruned consumed alert events", "rows", n)
		}
		if n, err := s.store.PruneNotifications(ctx, now.Add(-24*time.Hour)); err != nil {
			s.log.Warn("pruning delivered notifications failed", "err", err)
		} else if n > 0 {
			s.log.Debug("pruned delivered notifications", "rows", n)
		}
		s.pruneEpisodes(ctx, now)
	}
}

// maxRuleWarnings bounds the rule warnings logged one by one; the others
// are counted, so that 10,000 recording rules do not log 10,000 lines.
const maxRuleWarnings = 20

func logRuleWarnings(log *slog.Logger, warns []*rules.Error) {
	for i, w := range warns {
		if i == maxRuleWarnings {
			log.Warn(fmt.Sprintf("%d more rule warnings not shown (alerter check summarises them)", len(warns)-maxRuleWarnings))
			return
		}
		log.Warn(w.Error())
	}
}
