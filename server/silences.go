package server

import (
	"context"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/web/amapi"
)

// silenceMaintenanceInterval is how often UntilResolved silences are
// checked against the firing alerts (also after every batch of alert
// events) and expired silences past their retention are deleted.
const silenceMaintenanceInterval = 30 * time.Second

// openSilences loads the silences from the state store and applies the
// configured maintenance windows.
func (s *Server) openSilences(cfg *config.Config) error {
	sils, err := silence.New(context.Background(), silence.Options{
		Store:      s.store,
		Logger:     s.log.With("component", "silences"),
		Registerer: s.reg,
		Retention:  time.Duration(cfg.Silences.Retention),
		Windows:    cfg.MaintenanceWindows,
		Limits:     cfg.Silences.Limits(),
	})
	if err != nil {
		return err
	}
	s.silences = sils
	s.silenceWake = make(chan struct{}, 1)
	return nil
}

// mountAMAPI serves Alertmanager's API v2 under /api/v2/.
func (s *Server) mountAMAPI(start time.Time) error {
	ih := inhibit.NewCache(inhibit.CacheOptions{
		Inhibitor: func() *inhibit.Inhibitor { _, ih := s.deliv.routing(); return ih },
		Firing:    func() []model.LabelSet { return alert.FiringLabels(s.allAlerts()) },
	})
	h, err := amapi.New(amapi.Options{
		Silences: s.silences,
		Alerts:   s.allAlerts,
		InhibitedBy: func(ls model.LabelSet) []string {
			if fp, ok := ih.InhibitedBy(ls, time.Now()); ok {
				return []string{fp.String()}
			}
			return nil
		},
		Receivers:     s.receiversOf,
		GroupsOf:      s.groupsOf,
		Escalation:    s.escalationOf,
		TimeMutedBy:   s.timeMutedBy,
		ReceiverNames: s.receiverNames,
		ConfigYAML:    s.configYAML,
		Push:          pushRouter{s},
		Cluster:       s.clusterStatus,
		Version:       s.opts.Version,
		StartTime:     start,
		Logger:        s.log.With("component", "amapi"),
	})
	if err != nil {
		return err
	}
	s.api.Handle("/api/v2/", h)
	return nil
}

// onAlertEvents runs after the evaluator stored alert events: delivery
// and the UntilResolved check both have news.
func (s *Server) onAlertEvents() {
	s.wakeDelivery()
	if s.silenceWake != nil {
		select {
		case s.silenceWake <- struct{}{}:
		default:
		}
	}
}

// termAlerts returns the leader's pending and firing alerts, evaluated
// and pushed, while the term with epoch is valid and its state restored
// (false otherwise). It holds reloadMu, under which a term's state is
// stopped, so the alerts are never those of a stopping term. Without
// want, it only checks.
func (s *Server) termAlerts(epoch int64, want bool) ([]*alert.Alert, bool) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if !s.mgr.Ready() || !s.ingest.Ready() || !s.elector.Valid(epoch) {
		return nil, false
	}
	if !want {
		return nil, true
	}
	return append(s.mgr.Alerts(), s.ingest.Alerts()...), true
}

// maintainSilences expires UntilResolved silences whose alerts resolved,
// every silenceMaintenanceInterval and after alert events, and deletes
// expired silences past their retention. The leader does it, for the term
// with epoch: it decides from the alerts it evaluates.
func (s *Server) maintainSilences(ctx context.Context, epoch int64) {
	t := time.NewTicker(silenceMaintenanceInterval)
	defer t.Stop()
	for {
		gc := false
		select {
		case <-ctx.Done():
			return
		case <-s.silenceWake:
		case <-t.C:
			gc = true
		}
		// Before state is restored every alert looks resolved; and a
		// replica whose term is over by its own clock decides nothing.
		// The alerts are read at once with that check, so that a term
		// ending meanwhile cannot make them look resolved.
		now := time.Now()
		current, ok := s.termAlerts(epoch, s.silences.HasUntilResolved(now) || gc)
		if !ok {
			continue
		}
		if s.silences.HasUntilResolved(now) {
			if ids, err := s.silences.ExpireResolved(ctx, alert.FiringLabels(current), now); err != nil {
				s.log.Warn("expiring silences whose alerts resolved failed", "err", err)
			} else if len(ids) > 0 {
				s.log.Info("expired silences whose alerts resolved", "silences", ids)
			}
		}
		if gc {
			s.gcAcks(ctx, current, now)
			if n, err := s.silences.GC(ctx, now); err != nil {
				s.log.Warn("deleting old expired silences failed", "err", err)
			} else if n > 0 {
				s.log.Debug("deleted old expired silences", "count", n)
			}
		}
	}
}

// receiversOf returns the receivers the current routing tree sends an
// alert to, in routing order.
func (s *Server) receiversOf(ls model.LabelSet) []string {
	root, _ := s.deliv.routing()
	if root == nil {
		return nil
	}
	return root.Receivers(ls)
}

// timeMutedBy returns the time intervals muting the routes an alert
// takes at now, each name once.
func (s *Server) timeMutedBy(ls model.LabelSet, now time.Time) []string {
	root, _ := s.deliv.routing()
	if root == nil {
		return nil
	}
	return root.TimeMutedBy(ls, now)
}

func (s *Server) receiverNames() []string {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	out := make([]string, 0, len(s.cfg.Receivers))
	for _, r := range s.cfg.Receivers {
		out = append(out, r.Name)
	}
	return out
}

// configYAML renders the running configuration, without secrets, for
// GET /api/v2/status.
func (s *Server) configYAML() string {
	s.reloadMu.Lock()
	out, err := config.RedactedYAML(s.cfg)
	s.reloadMu.Unlock()
	if err != nil {
		s.log.Warn("rendering the configuration failed", "err", err)
		return ""
	}
	return out
}
