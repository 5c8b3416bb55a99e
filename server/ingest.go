package server

import (
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/ingest"
)

// openIngest builds the receiver of pushed alerts over the state store.
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

// allAlerts returns the pending and firing alerts, evaluated then pushed:
// what every API, the acknowledgements and the silences see.
func (s *Server) allAlerts() []*alert.Alert {
	return append(s.mgr.Alerts(), s.ingest.Alerts()...)
}

// ready reports whether evaluated and pushed alerts are both restored.
func (s *Server) ready() bool { return s.mgr.Ready() && s.ingest.Ready() }
