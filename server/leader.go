package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/cluster"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/internal/condlog"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/web/amapi"
)

// buildCluster makes this replica's leader loop, its view of the stored
// alerts and, with a shared store, the watcher of other replicas' changes
// and the heartbeat.
func (s *Server) buildCluster(cfg *config.Config) error {
	b := s.backend
	s.self = self(cfg)
	el, err := cluster.NewElector(cluster.ElectorOptions{
		Store:      b.store,
		Holder:     s.self.ID,
		TTL:        b.ttl,
		Retry:      b.retry,
		Lead:       s.lead,
		Logger:     s.log,
		Registerer: s.reg,
	})
	if err != nil {
		return err
	}
	s.elector = el
	s.view = cluster.NewView(b.store, time.Second, s.log)
	if b.shared == nil {
		return nil
	}
	var reloadCond condlog.Condition
	s.watcher = cluster.NewWatcher(cluster.WatcherOptions{
		Source: b.shared,
		Topics: []string{state.TopicSilences, state.TopicWindows, state.TopicAcks, state.TopicAlerts, state.TopicLease},
		OnChange: func(ctx context.Context, topic string) {
			var err error
			switch topic {
			case state.TopicSilences:
				err = s.silences.Reload(ctx)
			case state.TopicWindows:
				err = s.silences.ReloadWindows(ctx)
			case state.TopicAcks:
				err = s.acks.Reload(ctx)
			case state.TopicAlerts:
				// Loaded now rather than when asked: a recent copy is what
				// this replica serves should the store become unreachable.
				if err := s.view.Refresh(ctx); err != nil {
					s.view.Invalidate()
				}
			case state.TopicLease:
				s.elector.Wake()
			}
			if err != nil && ctx.Err() == nil {
				reloadCond.Fail(s.log, slog.LevelWarn, "reloading another replica's changes failed; keeping what this replica holds", "topic", topic, "err", err)
			} else if err == nil {
				reloadCond.OK(s.log, "reloading other replicas' changes works again")
			}
		},
		Logger: s.log,
	})
	s.heartbeat = &cluster.Heartbeat{Store: b.shared, Self: s.self, Every: b.ttl / 3, Log: s.log}
	return nil
}

// lead is the leader's work for one term: restore state from the store,
// then evaluate, deliver and maintain silences, acknowledgements and the
// outboxes, writing through the term's fenced store, until ctx ends (the
// term is over); then stop it all, writing nothing more.
func (s *Server) lead(ctx context.Context, epoch int64) error {
	ts := s.backend.fence(epoch)
	if s.backend.shared != nil {
		// The caches may lag behind the store (a missed notification):
		// the leader acts on what the store holds.
		if err := s.silences.Reload(ctx); err != nil {
			return err
		}
		if err := s.silences.ReloadWindows(ctx); err != nil {
			return err
		}
		if err := s.acks.Reload(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.reloadMu.Lock()
	err := s.mgr.StartWith(ctx, s.ruleSet, ts)
	s.reloadMu.Unlock()
	if err != nil {
		return fmt.Errorf("restoring state: %w", err)
	}
	if err := s.ingest.StartWith(ctx, ts, time.Now()); err != nil {
		s.reloadMu.Lock()
		s.mgr.Stop()
		s.reloadMu.Unlock()
		return fmt.Errorf("restoring pushed alerts: %w", err)
	}
	s.seedQuality(ctx)
	var wg sync.WaitGroup
	delivery := make(chan error, 1)
	wg.Go(func() { s.ingest.Run(ctx) })
	wg.Go(func() { delivery <- s.deliv.run(ctx, ts, epoch) })
	wg.Go(func() { s.prune(ctx) })
	wg.Go(func() { s.maintainSilences(ctx, epoch) })
	select {
	case <-ctx.Done():
	case err = <-delivery:
		if err != nil {
			// Delivery did not start: stop the rest, and give the term up.
			err = fmt.Errorf("starting delivery: %w", err)
		}
	}
	cancel()
	s.reloadMu.Lock()
	// What this replica evaluated stays served (the store may be what
	// failed) until the store's copy replaces it.
	s.view.Seed(append(s.mgr.Alerts(), s.ingest.Alerts()...))
	s.mgr.Stop()
	s.ingest.Stop()
	s.reloadMu.Unlock()
	wg.Wait()
	return err
}

// leading reports whether this replica leads and has restored its state,
// so that its memory is the truth to serve.
func (s *Server) leading() bool {
	_, ok := s.elector.Leading()
	return ok && s.mgr.Ready() && s.ingest.Ready()
}

// ready is /-/ready: with SQLite, once state is restored and evaluating;
// with a shared store, once this replica knows whether it leads (a
// follower serves the API from the store) and, if it leads, has restored.
func (s *Server) ready() bool {
	if s.backend.shared == nil {
		return s.mgr.Ready() && s.ingest.Ready()
	}
	if !s.elector.Settled() {
		return false
	}
	_, ok := s.elector.Leading()
	return !ok || (s.mgr.Ready() && s.ingest.Ready())
}

// currentAlerts returns the pending and firing alerts: the evaluator's
// while this replica leads, the stored ones otherwise. The API does not
// care which.
func (s *Server) currentAlerts() []*alert.Alert {
	if s.leading() {
		return s.mgr.Alerts()
	}
	return s.view.Alerts()
}

// ruleSource serves /api/v1/rules and /api/v1/alerts: the leader's live
// rules, or a follower's own rule definitions with the health and alerts
// the leader stored.
type ruleSource struct{ s *Server }

func (r ruleSource) Groups() []evaluator.GroupStatus {
	if r.s.leading() {
		return r.s.mgr.Groups()
	}
	alerts, status := r.s.view.Stored()
	return evaluator.WithStored(r.s.mgr.Groups(), status, alerts)
}

// Evaluations returns a rule's last evaluations: the leader's, which
// evaluates; a follower keeps none (it shows the stored health only).
func (r ruleSource) Evaluations(ruleID string, limit int) ([]evaluator.Evaluation, bool) {
	return r.s.mgr.Evaluations(ruleID, limit)
}

// runtimeInfo adds the storage and the leadership to
// /api/v1/status/runtimeinfo.
func (s *Server) runtimeInfo() map[string]any {
	epoch, leader := s.elector.Leading()
	info := map[string]any{
		"storage":         s.backend.kind,
		"storageLocation": s.backend.where,
		"leader":          leader,
		"leaderEpoch":     epoch,
		"replica":         s.self.Name,
	}
	if s.backend.shared != nil {
		info["leaseTTL"] = s.backend.ttl.String()
		info["leaseHolder"] = s.elector.Holder()
	}
	return info
}

// clusterStatus is /api/v2/status's cluster: "disabled" with SQLite (one
// replica); with a shared store, the replicas that reported lately, and
// "ready" while one of them leads ("settling" otherwise, or when the store
// cannot be read).
func (s *Server) clusterStatus() amapi.ClusterStatus {
	if s.heartbeat == nil {
		return amapi.ClusterStatus{Status: "disabled"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	st := amapi.ClusterStatus{Name: s.self.Name, Status: "settling"}
	peers, err := s.heartbeat.Peers(ctx)
	if err != nil {
		s.log.Debug("listing the replicas failed", "err", err)
		return st
	}
	for _, p := range peers {
		st.Peers = append(st.Peers, amapi.Peer{Name: p.Name, Address: p.Address, Leader: p.Leader})
		if p.Leader {
			st.Status = "ready"
		}
	}
	return st
}
