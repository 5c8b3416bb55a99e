package server

import (
	"context"
	"time"

	"github.com/alerter/alerter/quality"
	"github.com/alerter/alerter/web"
)

// report computes GET /api/v1/report from the stored episodes: every
// replica reads them from the store, which only the leader writes.
func (s *Server) report(ctx context.Context, q web.ReportQuery) (*quality.Report, error) {
	s.reloadMu.Lock()
	aq := s.cfg.AlertQuality
	s.reloadMu.Unlock()
	if q.FlapEvaluations == 0 {
		q.FlapEvaluations = aq.FlapEvaluations
	}
	eps, err := s.store.LoadEpisodes(ctx, q.Since, aq.MaxEpisodes+1)
	if err != nil {
		return nil, err
	}
	truncated := len(eps) > aq.MaxEpisodes
	if truncated {
		eps = eps[:aq.MaxEpisodes]
	}
	last, err := s.store.LastFired(ctx)
	if err != nil {
		return nil, err
	}
	var rules []quality.RuleInfo
	for _, g := range s.mgr.Groups() {
		for _, rs := range g.Rules {
			if r := rs.Rule; r.IsAlerting() && g.File != "<alerter>" {
				rules = append(rules, quality.RuleInfo{ID: r.ID, Group: g.Key, GroupName: g.Name, File: g.File, Alertname: r.Alert})
			}
		}
	}
	rep := quality.NewReport(eps, rules, last, quality.ReportOptions{Since: q.Since, Until: q.Until,
		FlapEvaluations: q.FlapEvaluations, Top: q.Top, QuietAfter: q.QuietAfter})
	rep.Truncated = truncated
	return rep, nil
}

// seedQuality sets the last-fired gauges from the stored history when
// this replica begins to lead.
func (s *Server) seedQuality(ctx context.Context) {
	last, err := s.store.LastFired(ctx)
	if err != nil {
		s.log.Warn("reading when each rule last fired failed; alerter_rule_last_fired_timestamp_seconds starts from what fires now", "err", err)
		return
	}
	s.quality.SeedLastFired(last)
}

// pruneEpisodes bounds the stored episodes by alert_quality's retention
// and count.
func (s *Server) pruneEpisodes(ctx context.Context, now time.Time) {
	s.reloadMu.Lock()
	aq := s.cfg.AlertQuality
	s.reloadMu.Unlock()
	if n, err := s.store.PruneEpisodes(ctx, now.Add(-time.Duration(aq.Retention)), aq.MaxEpisodes); err != nil {
		s.log.Warn("pruning episodes failed", "err", err)
	} else if n > 0 {
		s.log.Debug("pruned episodes", "rows", n)
	}
}
