// Package datasource queries Prometheus's HTTP API. Its Client satisfies
// evaluator.Querier.
package datasource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/internal/intern"
)

// Options configure a Client.
type Options struct {
	// URL is Prometheus's base URL, e.g. http://localhost:9090.
	URL string
	// HTTPConfig configures auth and TLS the way Prometheus users know.
	HTTPConfig config.HTTPClientConfig
	// Timeout bounds each query, on the wire and as Prometheus's own
	// query timeout (30s).
	Timeout time.Duration
	// UserAgent is sent with every request.
	UserAgent string
}

// Client runs instant queries against Prometheus's HTTP API.
type Client struct {
	base    *url.URL // Prometheus's base URL
	query   string   // the query endpoint's URL
	http    *http.Client
	timeout time.Duration
	ua      string

	// decoders are reused across queries for their buffers.
	decoders sync.Pool
	// strs interns label names and values for every group's queries.
	mu   sync.Mutex
	strs *intern.Table
}

// internLimit bounds the intern table: it holds at most twice this many
// strings (about 80 bytes each beyond the strings themselves), enough for
// every label value of a million series.
const internLimit = 1 << 20

// maxBody bounds the answer that is read.
const maxBody = 1 << 30

// New builds a Client.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("datasource url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("datasource url: scheme must be http or https, not %q", u.Scheme)
	}
	hc, err := config.NewClientFromConfig(opts.HTTPConfig, "datasource")
	if err != nil {
		return nil, fmt.Errorf("datasource http config: %w", err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	// Each query's context carries its deadline, which also bounds reading
	// the body; a client timeout on top would cost a timer and a goroutine
	// per request when the transport is wrapped (auth, headers).
	hc.Timeout = 0
	if opts.UserAgent == "" {
		opts.UserAgent = "alerter"
	}
	return &Client{base: u, query: u.JoinPath("api/v1/query").String(), http: hc, timeout: opts.Timeout, ua: opts.UserAgent, strs: intern.New(internLimit)}, nil
}

// Error is a query failure. Unavailable says whether the datasource itself
// failed (network, timeout, 5xx) as opposed to rejecting the query.
type Error struct {
	// Type is Prometheus's errorType (bad_data, execution, timeout, ...)
	// or "network"/"http" for failures before an API answer.
	Type    string
	Msg     string
	Status  int
	unavail bool
	err     error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("datasource: %s (HTTP %d): %s", e.Type, e.Status, e.Msg)
	}
	return fmt.Sprintf("datasource: %s: %s", e.Type, e.Msg)
}

// Unavailable implements evaluator.Unavailable.
func (e *Error) Unavailable() bool { return e.unavail }

// Unwrap returns the underlying transport error, if any.
func (e *Error) Unwrap() error { return e.err }

// Query runs an instant query at ts and puts the result in into. A scalar
// result becomes one sample with no labels, as in Prometheus's rule
// evaluation; any other result type is an error. The body is decoded as it
// arrives, with label names and values taken from the client's intern
// table.
func (c *Client) Query(ctx context.Context, query string, ts time.Time, into *evaluator.Vector) error {
	into.Reset()
	ctx, cancel := context.WithTimeout(ctx, c.timeout+5*time.Second)
	defer cancel()
	form := url.Values{}
	form.Set("query", query)
	form.Set("time", strconv.FormatFloat(float64(ts.UnixNano())/1e9, 'f', -1, 64))
	form.Set("timeout", model.Duration(c.timeout).String())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.query, strings.NewReader(form.Encode()))
	if err != nil {
		return &Error{Type: "request", Msg: err.Error(), err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		return &Error{Type: "network", Msg: redact(err), unavail: true, err: err}
	}
	defer resp.Body.Close()
	return c.decode(resp.StatusCode, io.LimitReader(resp.Body, maxBody), into)
}

// decode reads one answer with a pooled decoder.
func (c *Client) decode(status int, body io.Reader, into *evaluator.Vector) error {
	d, _ := c.decoders.Get().(*decoder)
	if d == nil {
		d = &decoder{mu: &c.mu, strs: c.strs}
	}
	err := d.decode(status, body, into)
	d.release()
	c.decoders.Put(d)
	return err
}

// redact drops the URL from transport errors, since a datasource URL may
// carry credentials.
func redact(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}
