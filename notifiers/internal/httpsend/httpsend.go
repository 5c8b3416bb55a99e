// Package httpsend makes the HTTP calls of receiver integrations the same
// way everywhere: a client built from http_config with alerter's
// User-Agent, a timeout on every call, URLs that may hold credentials
// redacted from errors, and non-2xx answers turned into a StatusError
// that says whether the call is worth retrying and how long the service
// asked to wait.
package httpsend

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/notifiers/internal/httpresp"
)

// DefaultTimeout bounds a call when the Client has no timeout.
const DefaultTimeout = 10 * time.Second

// maxBody bounds the part of a 2xx answer that is read for the caller.
const maxBody = 1 << 20

// Client sends one integration's requests. It is safe for concurrent use.
type Client struct {
	// Name is the integration's name, the prefix of every error.
	Name string
	// HTTP is the underlying client, from http_config.
	HTTP *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// Timeout bounds each call, including reading the answer.
	Timeout time.Duration
	// Retryable says whether a non-2xx status is worth retrying; nil means
	// DefaultRetryable.
	Retryable func(status int) bool
}

// NewClient builds a Client from an http_config (nil: Prometheus's
// defaults). A zero timeout means DefaultTimeout.
func NewClient(name string, cfg *config.HTTPClientConfig, userAgent string, timeout time.Duration) (*Client, error) {
	httpConfig := config.DefaultHTTPClientConfig
	if cfg != nil {
		httpConfig = *cfg
	}
	c, err := config.NewClientFromConfig(httpConfig, name)
	if err != nil {
		return nil, fmt.Errorf("%s: http client: %w", name, err)
	}
	return &Client{Name: name, HTTP: c, UserAgent: userAgent, Timeout: cmp.Or(timeout, DefaultTimeout)}, nil
}

// DefaultRetryable is true for 429 and 5xx: the same request may succeed
// later. Any other status means the request itself is wrong.
func DefaultRetryable(status int) bool {
	return status == http.StatusTooManyRequests || status/100 == 5
}

// Request is one call.
type Request struct {
	// Method defaults to POST.
	Method string
	// URL is where to send; it may hold credentials.
	URL string
	// Redacted is how URL is shown in errors; default RedactURL(URL).
	Redacted string
	// Body is sent as is, with ContentType.
	Body        []byte
	ContentType string
	// Header is added to the request.
	Header http.Header
	// Secrets are removed from the quoted start of error answers; those
	// shorter than 4 bytes (an empty query, a path of "/") are ignored.
	Secrets []string
}

// Response is a 2xx answer.
type Response struct {
	StatusCode int
	Header     http.Header
	// Body is the start of the answer (up to 1 MiB).
	Body []byte
}

// Do sends req. A 2xx answer returns its Response; any other status
// returns a *StatusError; a failure to connect or a timeout returns an
// error that Retryable reports as worth retrying. Errors never contain
// req.URL, only its redacted form, nor any of req.Secrets.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	redacted := req.Redacted
	if redacted == "" {
		redacted = RedactURL(req.URL)
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(c.Timeout, DefaultTimeout))
	defer cancel()
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, cmp.Or(req.Method, http.MethodPost), req.URL, body)
	if err != nil {
		return nil, &permanentError{fmt.Errorf("%s: building request to %s: %w", c.Name, redacted, redactErr(err, redacted))}
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if req.ContentType != "" {
		hr.Header.Set("Content-Type", req.ContentType)
	}
	if c.UserAgent != "" {
		hr.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.HTTP.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, redactErr(err, redacted))
	}
	defer httpresp.DrainAndClose(resp.Body)
	if resp.StatusCode/100 == 2 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return nil, fmt.Errorf("%s: reading the answer of %s: %w", c.Name, redacted, redactErr(err, redacted))
		}
		return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: b}, nil
	}
	retryable := c.Retryable
	if retryable == nil {
		retryable = DefaultRetryable
	}
	return nil, &StatusError{
		Integration: c.Name,
		URL:         redacted,
		StatusCode:  resp.StatusCode,
		Header:      resp.Header,
		Body:        httpresp.Snippet(resp.Body, secrets(req.Secrets)...),
		Wait:        httpresp.RetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		retry:       retryable(resp.StatusCode),
	}
}

// secrets drops the values too short to be secrets.
func secrets(ss []string) []string {
	var out []string
	for _, s := range ss {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	return out
}

// StatusError is a non-2xx answer.
type StatusError struct {
	// Integration names the sender.
	Integration string
	// URL is the redacted URL called.
	URL        string
	StatusCode int
	Header     http.Header
	// Body is the start of the answer, sanitised, secrets removed.
	Body string
	// Wait is what the answer asked to wait before trying again.
	Wait  time.Duration
	retry bool
}

// Error says who answered what.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s: %s answered %d %s", e.Integration, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Retryable reports whether the same request may succeed later.
func (e *StatusError) Retryable() bool { return e.retry }

// SetRetryable overrides the classification, for services whose answer
// body says more than the status (a rate limit in a 400, say).
func (e *StatusError) SetRetryable(retry bool) { e.retry = retry }

// RetryAfter is the wait the service asked for; it makes StatusError a
// notifiers.RetryAfterError.
func (e *StatusError) RetryAfter() time.Duration { return e.Wait }

// permanentError is a request that cannot be built: sending it again
// cannot help.
type permanentError struct{ error }

func (e *permanentError) Unwrap() error { return e.error }

// Retryable reports whether err, returned by Do, is worth retrying:
// network errors and timeouts are, a StatusError is when its status is,
// a request that could not be built is not.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Retryable()
	}
	var pe *permanentError
	return !errors.As(err, &pe)
}

// RedactURL shows where a URL points without what may be a secret in it:
// scheme and host only. Userinfo, path and query are dropped, since
// service URLs commonly carry tokens in any of them (Slack, Discord and
// Teams webhooks in the path, Telegram's bot token, VictorOps's API key).
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "<invalid URL>"
	}
	r := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		r += "/<redacted>"
	}
	return r
}

// redactErr replaces the URL that net/http puts into its errors (with the
// password stripped, but the path and query intact) by the redacted one.
// The rest of the chain is kept for errors.Is, e.g. DeadlineExceeded.
func redactErr(err error, redacted string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redacted, Err: ue.Err}
	}
	return err
}

// JSON encodes v as a request body, leaving <, > and & as they are (the
// services read JSON, not HTML).
func JSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
