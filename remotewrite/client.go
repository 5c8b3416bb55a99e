package remotewrite

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/config"
)

// client sends write requests to one endpoint.
type client struct {
	url       string
	http      *http.Client
	headers   map[string]string
	timeout   time.Duration
	userAgent string
	retry429  bool
}

func newClient(c Config, userAgent string) (*client, error) {
	hc, err := config.NewClientFromConfig(c.HTTPClientConfig, "remote_write")
	if err != nil {
		return nil, err
	}
	return &client{
		url:       c.URL.String(),
		http:      hc,
		headers:   c.Headers,
		timeout:   time.Duration(c.RemoteTimeout),
		userAgent: userAgent,
		retry429:  *c.QueueConfig.RetryOnRateLimit,
	}, nil
}

// sendError is a failed request. Recoverable ones are worth retrying:
// the receiver could not be reached or answered 5xx (or 429, when so
// configured); any other 4xx means it refuses this data for good.
type sendError struct {
	err         error
	recoverable bool
	retryAfter  time.Duration
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// recoverable reports whether err says the request may succeed later.
func recoverable(err error) (bool, time.Duration) {
	var se *sendError
	if errors.As(err, &se) {
		return se.recoverable, se.retryAfter
	}
	return true, 0
}

// send posts one compressed write request.
func (c *client) send(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return &sendError{err: err}
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &sendError{err: fmt.Errorf("sending to %s: %w", redact(c.url), err), recoverable: true}
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
	}()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	line, _ := bufio.NewReader(io.LimitReader(resp.Body, 512)).ReadString('\n')
	err = fmt.Errorf("server returned HTTP status %s: %s", resp.Status, strings.TrimSpace(line))
	switch {
	case resp.StatusCode/100 == 5:
		return &sendError{err: err, recoverable: true, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	case resp.StatusCode == http.StatusTooManyRequests && c.retry429:
		return &sendError{err: err, recoverable: true, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	default:
		return &sendError{err: err}
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// redact drops credentials from a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid url>"
	}
	return u.Redacted()
}
