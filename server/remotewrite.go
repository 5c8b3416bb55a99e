package server

import (
	"github.com/alerter/alerter/config"
	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/remotewrite"
	"github.com/alerter/alerter/rules"
)

// openRemoteWrite builds the remote-write queues of the configuration.
func (s *Server) openRemoteWrite(cfg *config.Config) error {
	w, err := remotewrite.New(remotewrite.Options{
		Configs:    cfg.RemoteWrite,
		Logger:     s.log.With("component", "remote_write"),
		Registerer: s.reg,
		UserAgent:  "alerter/" + s.opts.Version,
	})
	if err != nil {
		return err
	}
	s.rw = w
	return nil
}

// appender is the evaluator's Options.Appender: nil without remote write.
func (s *Server) appender() func() evaluator.Appender {
	if !s.rw.Enabled() {
		return nil
	}
	return func() evaluator.Appender { return s.rw.Appender() }
}

// warnUnrecorded says, once, that recording rules are not evaluated when
// there is nowhere to write their samples.
func (s *Server) warnUnrecorded(set *rules.Set, cfg *config.Config) {
	if len(cfg.RemoteWrite) > 0 {
		return
	}
	n := 0
	for _, g := range set.Groups {
		for _, r := range g.Rules {
			if !r.IsAlerting() {
				n++
			}
		}
	}
	if n > 0 {
		s.log.Warn("recording rules are not evaluated: no remote_write is configured to write their samples to", "recording_rules", n)
	}
}
