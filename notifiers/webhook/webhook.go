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
	"strings"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/internal/httpresp"
)

// DefaultUserAgent is sent when IntegrationOptions.UserAgent is empty.
const DefaultUserAgent = "alerter/unknown"

// Notifier posts messages to one webhook URL. It is safe for concurrent
// use.
type Notifier struct {
	client *http.Client
	// url and redacted are set when the URL is static; urlFile otherwise.
	url, redacted string
	urlFile       string
	receiver      string
	externalURL   string
	userAgent     string
	maxAlerts     int
	timeout       time.Duration
	sendResolved  bool
	hmacSecret    config.Secret
	hmacFile      string
	hmacHeader    string
	logger        *slog.Logger
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
	httpConfig := config.DefaultHTTPClientConfig
	if cfg.HTTPConfig != nil {
		httpConfig = *cfg.HTTPConfig
	}
	client, err := config.NewClientFromConfig(httpConfig, "webhook")
	if err != nil {
		return nil, fmt.Errorf("webhook: http client: %w", err)
	}
	n := &Notifier{
		client:       client,
		urlFile:      cfg.URLFile,
		receiver:     opts.Receiver,
		externalURL:  opts.ExternalURL,
		userAgent:    cmp.Or(opts.UserAgent, DefaultUserAgent),
		maxAlerts:    cfg.MaxAlerts,
		timeout:      cmp.Or(time.Duration(cfg.Timeout), DefaultTimeout),
		sendResolved: cfg.SendResolved == nil || *cfg.SendResolved,
		hmacSecret:   cfg.HMACSecret,
		hmacFile:     cfg.HMACSecretFile,
		hmacHeader:   cmp.Or(cfg.HMACHeader, DefaultSignatureHeader),
		logger:       opts.Logger,
		now:          time.Now,
	}
	if cfg.URL != nil && cfg.URL.URL != nil {
		n.url, n.redacted = cfg.URL.String(), redactURL(cfg.URL.URL)
	}
	if n.logger == nil {
		n.logger = slog.New(slog.DiscardHandler)
	}
	n.logger = n.logger.With("receiver", n.receiver, "integration", "webhook")
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
	if m = n.prepare(m); m == nil {
		return false, nil
	}
	target, redacted, err := n.target()
	if err != nil {
		return true, err
	}
	var body bytes.Buffer
	if err := json.NewEncoder(&body).Encode(NewPayload(m, n.maxAlerts)); err != nil {
		return false, fmt.Errorf("webhook: encoding payload: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body.Bytes()))
	if err != nil {
		return false, fmt.Errorf("webhook: building request to %s: %w", redacted, redactErr(err, redacted))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.userAgent)
	if err := n.sign(req, body.Bytes()); err != nil {
		return true, err
	}

	resp, err := n.client.Do(req)
	if err != nil {
		return true, fmt.Errorf("webhook: %w", redactErr(err, redacted))
	}
	defer httpresp.DrainAndClose(resp.Body)
	if resp.StatusCode/100 == 2 {
		n.logger.Debug("notification posted", "url", redacted, "group_key", m.GroupKey,
			"alerts", len(m.Alerts), "digest", m.Digest != nil, "status", resp.StatusCode)
		return false, nil
	}
	serr := &StatusError{
		URL:        redacted,
		StatusCode: resp.StatusCode,
		Body:       httpresp.Snippet(resp.Body),
		Wait:       httpresp.RetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	return serr.Retryable(), serr
}

// prepare returns the message to send, or nil when there is nothing to
// send: no alerts, or only resolved ones with send_resolved off. It fills
// in the receiver and external URL from the options when m lacks them.
func (n *Notifier) prepare(m *notifiers.Message) *notifiers.Message {
	if m == nil {
		return nil
	}
	c := *m
	if c.Digest == nil {
		if !n.sendResolved {
			c.Alerts = m.Firing()
		}
		if len(c.Alerts) == 0 {
			return nil
		}
	}
	c.Receiver = cmp.Or(c.Receiver, n.receiver)
	c.ExternalURL = cmp.Or(c.ExternalURL, n.externalURL)
	return &c
}

// target returns the URL to post to and its redacted form, reading
// url_file when configured.
func (n *Notifier) target() (u, redacted string, err error) {
	if n.urlFile == "" {
		return n.url, n.redacted, nil
	}
	b, err := os.ReadFile(n.urlFile)
	if err != nil {
		return "", "", fmt.Errorf("webhook: reading url_file: %w", err)
	}
	// The parse error would quote the URL: leave it out.
	parsed, err := url.Parse(strings.TrimSpace(string(b)))
	if err != nil {
		return "", "", fmt.Errorf("webhook: url_file %s does not hold a valid URL", n.urlFile)
	}
	if err := checkURL(parsed); err != nil {
		return "", "", fmt.Errorf("webhook: the URL in url_file %s %w", n.urlFile, err)
	}
	return parsed.String(), redactURL(parsed), nil
}

// sign adds the signature headers when signing is configured.
func (n *Notifier) sign(req *http.Request, body []byte) error {
	secret := []byte(n.hmacSecret)
	if n.hmacFile != "" {
		b, err := os.ReadFile(n.hmacFile)
		if err != nil {
			return fmt.Errorf("webhook: reading hmac_secret_file: %w", err)
		}
		if secret = bytes.TrimSpace(b); len(secret) == 0 {
			return fmt.Errorf("webhook: hmac_secret_file %s is empty", n.hmacFile)
		}
	}
	if len(secret) == 0 {
		return nil
	}
	ts := strconv.FormatInt(n.now().Unix(), 10)
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(n.hmacHeader, sign(secret, ts, body))
	return nil
}
