package webhook

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/notifiers"
)

// DefaultUserAgent is sent when Options.UserAgent is empty.
const DefaultUserAgent = "alerter/unknown"

// Options builds a Notifier.
type Options struct {
	// Config is the receiver's webhook configuration; required.
	Config *Config
	// Receiver names the receiver in logs, and in payloads of messages
	// that do not name one.
	Receiver string
	// ExternalURL is alerter's own URL, sent as externalURL.
	ExternalURL string
	// Logger defaults to discarding.
	Logger *slog.Logger
	// UserAgent is "alerter/<version>"; default DefaultUserAgent.
	UserAgent string
}

// Notifier posts messages to one webhook URL. It is safe for concurrent
// use.
type Notifier struct {
	client      *http.Client
	url         string
	redacted    string
	receiver    string
	externalURL string
	userAgent   string
	maxAlerts   int
	timeout     time.Duration
	logger      *slog.Logger
}

var _ notifiers.Integration = (*Notifier)(nil)

// New validates the configuration and builds the HTTP client from its
// http_config.
func New(o Options) (*Notifier, error) {
	if o.Config == nil {
		return nil, errors.New("webhook: no config")
	}
	if err := o.Config.Validate(); err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	httpConfig := config.DefaultHTTPClientConfig
	if o.Config.HTTPConfig != nil {
		httpConfig = *o.Config.HTTPConfig
	}
	client, err := config.NewClientFromConfig(httpConfig, "webhook")
	if err != nil {
		return nil, fmt.Errorf("webhook: http client: %w", err)
	}
	n := &Notifier{
		client:      client,
		url:         o.Config.URL.String(),
		redacted:    redactURL(o.Config.URL),
		receiver:    o.Receiver,
		externalURL: o.ExternalURL,
		userAgent:   cmp.Or(o.UserAgent, DefaultUserAgent),
		maxAlerts:   o.Config.MaxAlerts,
		timeout:     cmp.Or(time.Duration(o.Config.Timeout), DefaultTimeout),
		logger:      o.Logger,
	}
	if n.logger == nil {
		n.logger = slog.New(slog.DiscardHandler)
	}
	n.logger = n.logger.With("receiver", n.receiver, "integration", "webhook", "url", n.redacted)
	return n, nil
}

// Name is the integration's name in metrics and logs.
func (n *Notifier) Name() string { return "webhook" }

// Notify posts m. Network errors, 5xx and 429 are worth retrying; any
// other non-2xx status is not, and its error carries the status and the
// start of the response body. Errors never contain the URL's secrets.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m == nil || len(m.Events) == 0 {
		return false, nil
	}
	payload := NewPayload(m, n.externalURL, n.maxAlerts)
	payload.Receiver = cmp.Or(payload.Receiver, n.receiver)
	var body bytes.Buffer
	if err := json.NewEncoder(&body).Encode(payload); err != nil {
		return false, fmt.Errorf("webhook: encoding payload: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, &body)
	if err != nil {
		return false, fmt.Errorf("webhook: building request to %s: %w", n.redacted, redactErr(err, n.redacted))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.userAgent)

	resp, err := n.client.Do(req)
	if err != nil {
		return true, fmt.Errorf("webhook: %w", redactErr(err, n.redacted))
	}
	defer drainAndClose(resp.Body)
	if resp.StatusCode/100 == 2 {
		n.logger.Debug("notification posted", "group_key", m.GroupKey, "alerts", len(m.Events), "status", resp.StatusCode)
		return false, nil
	}
	serr := &StatusError{
		URL:        n.redacted,
		StatusCode: resp.StatusCode,
		Body:       readSnippet(resp.Body),
	}
	return serr.Retryable(), serr
}

// drainAndClose reads a bounded amount of what is left of a response
// body so that the connection can be reused.
func drainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
