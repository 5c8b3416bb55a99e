package server

import (
	"context"
	"errors"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/ingest"
)

// openIngest builds the receiver of pushed alerts over the state store.
// It takes alerts in while this replica leads (see lead).
func (s *Server) openIngest(cfg *config.Config) error {
	in, err := ingest.New(ingest.Options{
		Store:             s.store,
		Logger:            s.log.With("component", "ingest"),
		Registerer:        s.reg,
		ResolveTimeout:    time.Duration(cfg.Global.ResolveTimeout),
		ResolvedRetention: time.Duration(cfg.Global.ResolvedRetention),
		OnEvents:          s.onAlertEvents,
	})
	if err != nil {
		return err
	}
	s.ingest = in
	return nil
}

// allAlerts returns the pending and firing alerts, evaluated and pushed:
// what every API, the acknowledgements and the silences see. The leader's
// are in its memory; a follower serves the stored ones, pushed included.
func (s *Server) allAlerts() []*alert.Alert {
	if s.leading() {
		return append(s.mgr.Alerts(), s.ingest.Alerts()...)
	}
	return s.view.Alerts()
}

// pushedAlerts returns the firing pushed alerts, for /api/v1/alerts.
func (s *Server) pushedAlerts() []*alert.Alert {
	if s.leading() {
		return s.ingest.Alerts()
	}
	var out []*alert.Alert
	for _, a := range s.view.Alerts() {
		if a.Key.Pushed() {
			out = append(out, a)
		}
	}
	return out
}

// pushRouter takes in pushed alerts: the leader stores them; a follower
// forwards them to the leader (a load balancer in front of every replica
// may send a push to any), so that nothing pushed is lost to a follower.
type pushRouter struct{ s *Server }

// Push implements web.AlertReceiver and amapi.AlertReceiver.
func (p pushRouter) Push(ctx context.Context, alerts []ingest.Alert, now time.Time) error {
	s := p.s
	if s.backend.shared == nil {
		return s.ingest.Push(ctx, alerts, now)
	}
	if _, leading := s.elector.Leading(); leading {
		return s.ingest.Push(ctx, alerts, now)
	}
	return s.forwarder.Push(ctx, alerts)
}

// newForwarder builds the forwarder of a follower's pushed alerts: to the
// leader the heartbeats name, with this replica's write token.
func (s *Server) newForwarder() *ingest.Forwarder {
	return ingest.NewForwarder(ingest.ForwarderOptions{
		Leader: func(ctx context.Context) (string, error) {
			if s.heartbeat == nil {
				return "", errors.New("no replicas")
			}
			return s.heartbeat.LeaderAddress(ctx)
		},
		Token: func() string {
			s.reloadMu.Lock()
			defer s.reloadMu.Unlock()
			return s.pushToken
		},
		UserAgent: "alerter/" + s.opts.Version,
	})
}
