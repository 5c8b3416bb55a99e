package server

import (
	"context"
	"time"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/web/ackapi"
	"github.com/alerter/alerter/web/windowapi"
)

// openAcks loads the acknowledgements from the state store. A change
// wakes the dispatcher, which tells receivers who acknowledged at once.
func (s *Server) openAcks(cfg *config.Config) error {
	acks, err := ack.New(context.Background(), ack.Options{
		Store:    s.store,
		Logger:   s.log.With("component", "acks"),
		OnChange: s.acksChanged,
		Limits:   cfg.Acknowledgements.Limits(),
	})
	if err != nil {
		return err
	}
	s.acks = acks
	return nil
}

func (s *Server) acksChanged() {
	if s.deliv == nil {
		return
	}
	if d := s.deliv.dispatcher(); d != nil {
		d.AcksChanged()
	}
}

// mountAckAPI serves /api/v1/acknowledgements and
// /api/v1/maintenance_windows.
func (s *Server) mountAckAPI() error {
	h, err := ackapi.New(ackapi.Options{
		Acks:   s.acks,
		Alerts: s.allAlerts,
		Logger: s.log.With("component", "ackapi"),
	})
	if err != nil {
		return err
	}
	s.api.Handle("/api/v1/acknowledgements", h)
	s.api.Handle("/api/v1/acknowledgements/", h)
	wh, err := windowapi.New(windowapi.Options{Windows: s.silences, Logger: s.log.With("component", "windowapi")})
	if err != nil {
		return err
	}
	s.api.Handle("/api/v1/maintenance_windows", wh)
	s.api.Handle("/api/v1/maintenance_windows/", wh)
	return nil
}

// gcAcks marks ended acknowledgements and deletes old ones; it runs with
// the silences' maintenance.
func (s *Server) gcAcks(ctx context.Context, current []*alert.Alert, now time.Time) {
	if s.acks.Len() == 0 {
		return
	}
	if n, err := s.acks.GC(ctx, current, now); err != nil {
		s.log.Warn("acknowledgement GC failed", "err", err)
	} else if n > 0 {
		s.log.Debug("deleted old acknowledgements", "count", n)
	}
}
