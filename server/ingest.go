package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
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

// forwardedHeader marks a push a follower forwarded, so that it is never
// forwarded again (two replicas that each think the other leads).
const forwardedHeader = "X-Alerter-Forwarded"

// Push implements web.AlertReceiver and amapi.AlertReceiver.
func (p pushRouter) Push(ctx context.Context, alerts []ingest.Alert, now time.Time) error {
	s := p.s
	if s.backend.shared == nil {
		return s.ingest.Push(ctx, alerts, now)
	}
	if _, leading := s.elector.Leading(); leading {
		return s.ingest.Push(ctx, alerts, now)
	}
	if forwarded(ctx) {
		return fmt.Errorf("this replica does not lead, and the push was forwarded to it by another: %w", ingest.ErrUnavailable)
	}
	return s.forwardPush(ctx, alerts)
}

// forwardPush sends alerts to the leader's POST /api/v2/alerts with this
// replica's write token, bounded by a short timeout. Any failure is
// ErrUnavailable: the sender retries (Prometheus re-sends every alert
// until it resolves).
func (s *Server) forwardPush(ctx context.Context, alerts []ingest.Alert) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	leader, err := s.leaderAddress(ctx)
	if err != nil {
		return fmt.Errorf("finding the leader to forward pushed alerts to: %v: %w", err, ingest.ErrUnavailable)
	}
	body, err := json.Marshal(postables(alerts))
	if err != nil {
		return err
	}
	u, err := url.JoinPath(leader, "/api/v2/alerts")
	if err != nil {
		return fmt.Errorf("leader address %q: %v: %w", leader, err, ingest.ErrUnavailable)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("forwarding pushed alerts: %v: %w", err, ingest.ErrUnavailable)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(forwardedHeader, "1")
	req.Header.Set("User-Agent", "alerter/"+s.opts.Version)
	s.reloadMu.Lock()
	token := s.pushToken
	s.reloadMu.Unlock()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("forwarding pushed alerts to the leader: %v: %w", err, ingest.ErrUnavailable)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusBadRequest:
		// The alerts themselves: the leader checked them as this replica
		// would have.
		return &ingest.RequestError{Msg: strings.TrimSpace(strings.Trim(string(msg), "\"\n"))}
	default:
		return fmt.Errorf("the leader answered %s: %w", resp.Status, ingest.ErrUnavailable)
	}
}

// leaderAddress returns the API address of the replica that leads.
func (s *Server) leaderAddress(ctx context.Context) (string, error) {
	if s.heartbeat == nil {
		return "", errors.New("no replicas")
	}
	peers, err := s.heartbeat.Peers(ctx)
	if err != nil {
		return "", err
	}
	for _, p := range peers {
		if p.Leader && p.Address != "" {
			return p.Address, nil
		}
	}
	return "", errors.New("no replica leads now")
}

// postable is Alertmanager's postable alert, as forwarded.
type postable struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     *time.Time        `json:"startsAt,omitempty"`
	EndsAt       *time.Time        `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

func postables(alerts []ingest.Alert) []postable {
	out := make([]postable, len(alerts))
	for i, a := range alerts {
		p := postable{Labels: map[string]string{}, GeneratorURL: a.GeneratorURL}
		for k, v := range a.Labels {
			p.Labels[string(k)] = string(v)
		}
		if len(a.Annotations) > 0 {
			p.Annotations = map[string]string{}
			for k, v := range a.Annotations {
				p.Annotations[string(k)] = string(v)
			}
		}
		if !a.StartsAt.IsZero() {
			t := a.StartsAt
			p.StartsAt = &t
		}
		if !a.EndsAt.IsZero() {
			t := a.EndsAt
			p.EndsAt = &t
		}
		out[i] = p
	}
	return out
}

type forwardedKey struct{}

// forwarded reports whether the request in ctx was forwarded by another
// replica (see markForwarded).
func forwarded(ctx context.Context) bool { v, _ := ctx.Value(forwardedKey{}).(bool); return v }

// markForwarded notes in the request's context that another replica
// forwarded it, before the API handles it.
func markForwarded(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(forwardedHeader) != "" {
			r = r.WithContext(context.WithValue(r.Context(), forwardedKey{}, true))
		}
		h.ServeHTTP(w, r)
	})
}
