package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultForwardTimeout bounds one forward when ForwarderOptions.Timeout
// is not set.
const defaultForwardTimeout = 10 * time.Second

// ForwarderOptions configure a Forwarder.
type ForwarderOptions struct {
	// Leader returns the base URL of the API of the replica that leads.
	Leader func(ctx context.Context) (string, error)
	// Token returns the write token to send ("": none). It is read on
	// every push, so that a reload's token applies.
	Token func() string
	// Client sends the requests (http.DefaultClient when nil).
	Client *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// Timeout bounds one forward (10s when 0).
	Timeout time.Duration
}

// Forwarder sends alerts pushed to a follower on to the leader, so that
// nothing pushed is lost to a replica that does not lead (a load balancer
// in front of every replica may send a push to any).
type Forwarder struct{ opts ForwarderOptions }

// NewForwarder returns a Forwarder with opts.
func NewForwarder(opts ForwarderOptions) *Forwarder {
	if opts.Client == nil {
		opts.Client = http.DefaultClient
	}
	if opts.Timeout == 0 {
		opts.Timeout = defaultForwardTimeout
	}
	if opts.Token == nil {
		opts.Token = func() string { return "" }
	}
	return &Forwarder{opts: opts}
}

// Push sends alerts to the leader's POST /api/v2/alerts, marked as
// forwarded. A push that was itself forwarded (Forwarded) is refused
// rather than forwarded again. Any failure to deliver is ErrUnavailable:
// the sender retries (Prometheus re-sends every alert until it resolves);
// alerts the leader refuses as invalid are a RequestError with its
// message.
func (f *Forwarder) Push(ctx context.Context, alerts []Alert) error {
	if Forwarded(ctx) {
		return fmt.Errorf("this replica does not lead, and the push was forwarded to it by another: %w", ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	leader, err := f.opts.Leader(ctx)
	if err != nil {
		return fmt.Errorf("finding the leader to forward pushed alerts to: %v: %w", err, ErrUnavailable)
	}
	body, err := encode(alerts)
	if err != nil {
		return err
	}
	u, err := url.JoinPath(leader, "/api/v2/alerts")
	if err != nil {
		return fmt.Errorf("leader address %q: %v: %w", leader, err, ErrUnavailable)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("forwarding pushed alerts: %v: %w", err, ErrUnavailable)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(ForwardedHeader, "1")
	req.Header.Set("User-Agent", f.opts.UserAgent)
	if token := f.opts.Token(); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("forwarding pushed alerts to the leader: %v: %w", err, ErrUnavailable)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusBadRequest:
		// The alerts themselves: the leader checked them as this replica
		// would have.
		return &RequestError{Msg: strings.TrimSpace(strings.Trim(string(msg), "\"\n"))}
	default:
		return fmt.Errorf("the leader answered %s: %w", resp.Status, ErrUnavailable)
	}
}
