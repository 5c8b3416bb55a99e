package webhook

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/httpsend"
	"github.com/alerter/alerter/notifiers/internal/secret"
)

// DefaultUserAgent is sent when IntegrationOptions.UserAgent is empty.
const DefaultUserAgent = "alerter/unknown"

// StatusError is a non-2xx answer of the webhook; it says whether the
// request is worth sending again and how long the receiver asked to wait.
type StatusError = httpsend.StatusError

// Notifier posts messages to one webhook URL. It is safe for concurrent
// use.
type Notifier struct {
	client *httpsend.Client
	// url is set when the URL is static; urlFile otherwise.
	url          *url.URL
	urlFile      string
	opts         notifiers.IntegrationOptions
	maxAlerts    int
	timeout      time.Duration
	sendResolved bool
	hmacSecret   config.Secret
	hmacFile     string
	hmacHeader   string
	logger       *slog.Logger
	// now is the clock of request signing.
	now func() time.Time
}

var (
	_ notifiers.Integration    = (*Notifier)(nil)
	_ notifiers.Named          = (*Notifier)(nil)
	_ notifiers.ResolvedSender = (*Notifier)(nil)
)

// New validates the configuration and builds the HTTP client from its
// http_config. opts.Receiver names the receiver in logs and in payloads of
// messages that do not name one; opts.ExternalURL is the payload's
// externalURL when the message has none.
func New(cfg *Config, opts notifiers.IntegrationOptions) (*Notifier, error) {
	if cfg == nil {
		return nil, errors.New("webhook: no config")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	timeout := cmp.Or(time.Duration(cfg.Timeout), DefaultTimeout)
	client, err := httpsend.NewClient("webhook", cfg.HTTPConfig, cmp.Or(opts.UserAgent, DefaultUserAgent), timeout)
	if err != nil {
		return nil, err
	}
	n := &Notifier{
		client:       client,
		urlFile:      cfg.URLFile,
		opts:         opts,
		maxAlerts:    cfg.MaxAlerts,
		timeout:      timeout,
		sendResolved: cfg.SendResolved == nil || *cfg.SendResolved,
		hmacSecret:   cfg.HMACSecret,
		hmacFile:     cfg.HMACSecretFile,
		hmacHeader:   cmp.Or(cfg.HMACHeader, DefaultSignatureHeader),
		logger:       cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)),
		now:          time.Now,
	}
	if cfg.URL != nil {
		n.url = cfg.URL.URL
	}
	n.logger = n.logger.With("receiver", opts.Receiver, "integration", "webhook")
	return n, nil
}

// Name is the integration's name in metrics and logs.
func (n *Notifier) Name() string { return "webhook" }

// SendResolved reports the send_resolved setting.
func (n *Notifier) SendResolved() bool { return n.sendResolved }

// Notify posts m. Network errors, 5xx and 429 are worth retrying, and so
// are unreadable url_file or hmac_secret_file files (they are read again
// at the next attempt); any other non-2xx status is not, and its error
// carries the status and the start of the response body. Errors never
// contain the URL's secrets or the HMAC secret.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = m.ForIntegration(n.sendResolved, n.opts); m == nil {
		return false, nil
	}
	target, err := secret.ReadURL("url", n.url, n.urlFile)
	if err != nil {
		return true, fmt.Errorf("webhook: %w", err)
	}
	var body bytes.Buffer
	if err := json.NewEncoder(&body).Encode(NewPayload(m, n.maxAlerts)); err != nil {
		return false, fmt.Errorf("webhook: encoding payload: %w", err)
	}
	header, err := n.sign(body.Bytes())
	if err != nil {
		return true, err
	}
	resp, err := n.client.Do(ctx, httpsend.Request{URL: target.String(), Body: body.Bytes(), ContentType: "application/json", Header: header})
	if err != nil {
		return httpsend.Retryable(err), err
	}
	n.logger.Debug("notification posted", "url", httpsend.RedactURL(target.String()), "group_key", m.GroupKey,
		"alerts", len(m.Alerts), "digest", m.Digest != nil, "status", resp.StatusCode)
	return false, nil
}

// sign returns the signature headers when signing is configured.
func (n *Notifier) sign(body []byte) (http.Header, error) {
	secret := []byte(n.hmacSecret)
	if n.hmacFile != "" {
		b, err := os.ReadFile(n.hmacFile)
		if err != nil {
			return nil, fmt.Errorf("webhook: reading hmac_secret_file: %w", err)
		}
		if secret = bytes.TrimSpace(b); len(secret) == 0 {
			return nil, fmt.Errorf("webhook: hmac_secret_file %s is empty", n.hmacFile)
		}
	}
	if len(secret) == 0 {
		return nil, nil
	}
	ts := strconv.FormatInt(n.now().Unix(), 10)
	return http.Header{TimestampHeader: {ts}, n.hmacHeader: {sign(secret, ts, body)}}, nil
}
