package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"time"

	"github.com/alerter/alerter/rules"
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

func (s *Server) reload(ctx context.Context) error {
	cfg, err := s.opts.LoadConfig()
	if err != nil {
		return err
	}
	set, err := rules.LoadFiles(cfg.RuleFiles)
	if err != nil {
		return fmt.Errorf("loading rules: %w", err)
	}
	for _, w := range set.Warnings {
		s.log.Warn(w.Error())
	}
	if cfg.Datasource.URL != s.cfg.Datasource.URL || !reflect.DeepEqual(cfg.Storage, s.cfg.Storage) ||
		cfg.Web.ListenAddress != s.cfg.Web.ListenAddress || cfg.Silences != s.cfg.Silences {
		s.log.Warn("datasource, storage, listen address and silences.retention changes take effect after a restart")
	}
	write, read, err := cfg.Web.Auth.Tokens()
	if err != nil {
		return err
	}
	if _, err := cfg.Web.SlackInteractions.SigningSecret(); err != nil {
		return err
	}
	if err := s.deliv.update(cfg); err != nil {
		return err
	}
	if err := s.mgr.Update(ctx, set); err != nil {
		return err
	}
	s.ruleSet = set
	s.auth.SetTokens(write, read)
	if err := s.slackInt.configure(s, cfg); err != nil {
		return err
	}
	if err := s.silences.SetWindows(cfg.MaintenanceWindows); err != nil {
		return fmt.Errorf("maintenance_windows: %w", err)
	}
	// Keep the settings that were not applied, so the comparison above
	// keeps warning until a restart.
	cfg.Datasource, cfg.Storage, cfg.Web.ListenAddress = s.cfg.Datasource, s.cfg.Storage, s.cfg.Web.ListenAddress
	cfg.Silences = s.cfg.Silences
	s.cfg = cfg
	s.rulesHash = hashRuleFiles(cfg.RuleFiles)
	return nil
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
// changes. Polling a hash keeps this free of platform file-event quirks
// (editors that replace files, Kubernetes ConfigMap symlink swaps).
func (s *Server) watchRuleFiles(ctx context.Context) {
	iv := 5 * time.Second
	if s.cfg.Web.RuleFileCheckInterval != nil {
		iv = time.Duration(*s.cfg.Web.RuleFileCheckInterval)
	}
	if iv <= 0 {
		return
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.reloadMu.Lock()
		files, prev := s.cfg.RuleFiles, s.rulesHash
		s.reloadMu.Unlock()
		h := hashRuleFiles(files)
		if h == prev {
			continue
		}
		s.log.Info("rule files changed, reloading")
		if err := s.Reload(ctx); err != nil {
			// Do not retry the same broken content every tick.
			s.reloadMu.Lock()
			s.rulesHash = h
			s.reloadMu.Unlock()
		}
	}
}

// hashRuleFiles hashes the names and contents of the files the patterns
// match.
func hashRuleFiles(patterns []string) string {
	var files []string
	for _, p := range patterns {
		m, _ := filepath.Glob(p)
		files = append(files, m...)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		_, _ = fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		if err == nil {
			_, _ = h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// redactedURL drops credentials from a URL for logs and labels.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid url>"
	}
	return u.Redacted()
}

// stripUserinfo drops user:password@ from a URL.
func stripUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User = nil
	return u.String()
}

// prune deletes, every hour, alert events the dispatcher consumed more
// than an hour ago and notifications delivered more than a day ago, so the
// store does not grow without bound. Nothing undelivered is ever pruned.
// The leader does it.
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
	}
}
