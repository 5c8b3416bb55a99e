// Package datasource queries Prometheus's HTTP API. Its Client satisfies
// evaluator.Querier.
package datasource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
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
	base    *url.URL
	http    *http.Client
	timeout time.Duration
	ua      string
}

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
	hc.Timeout = opts.Timeout + 5*time.Second
	if opts.UserAgent == "" {
		opts.UserAgent = "alerter"
	}
	return &Client{base: u, http: hc, timeout: opts.Timeout, ua: opts.UserAgent}, nil
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

type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Warnings  []string        `json:"warnings"`
}

type queryData struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// Query runs an instant query at ts. A scalar result becomes one sample
// with no labels, as in Prometheus's rule evaluation; any other result
// type is an error.
func (c *Client) Query(ctx context.Context, query string, ts time.Time) (model.Vector, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout+5*time.Second)
	defer cancel()
	form := url.Values{}
	form.Set("query", query)
	form.Set("time", strconv.FormatFloat(float64(ts.UnixNano())/1e9, 'f', -1, 64))
	form.Set("timeout", model.Duration(c.timeout).String())
	u := c.base.JoinPath("api/v1/query")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &Error{Type: "request", Msg: err.Error(), err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &Error{Type: "network", Msg: redact(err), unavail: true, err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return nil, &Error{Type: "network", Msg: redact(err), Status: resp.StatusCode, unavail: true, err: err}
	}
	return decodeResponse(resp.StatusCode, body)
}

// decodeResponse turns an API answer into a vector or an *Error.
func decodeResponse(status int, body []byte) (model.Vector, error) {
	var ar apiResponse
	if err := json.Unmarshal(body, &ar); err != nil {
		snippet := string(body)
		if len(snippet) > 200 {
			snippet = snippet[:200] + "…"
		}
		return nil, &Error{Type: "http", Msg: "unexpected response: " + snippet, Status: status, unavail: true}
	}
	if ar.Status != "success" {
		e := &Error{Type: ar.ErrorType, Msg: ar.Error, Status: status}
		switch {
		case status >= 500, status == 0 && ar.Status == "",
			ar.ErrorType == "timeout", ar.ErrorType == "canceled", ar.ErrorType == "unavailable", ar.ErrorType == "internal":
			e.unavail = true
		}
		if e.Type == "" {
			e.Type = "http"
			if e.Msg == "" {
				e.Msg = "unexpected response status " + strconv.Quote(ar.Status)
			}
		}
		return nil, e
	}
	var qd queryData
	if err := json.Unmarshal(ar.Data, &qd); err != nil {
		return nil, &Error{Type: "decode", Msg: err.Error(), unavail: true}
	}
	switch qd.ResultType {
	case "vector":
		var v model.Vector
		if err := json.Unmarshal(qd.Result, &v); err != nil {
			return nil, &Error{Type: "decode", Msg: err.Error(), unavail: true}
		}
		for _, s := range v {
			if s == nil || s.Metric == nil {
				return nil, &Error{Type: "decode", Msg: "vector sample without metric", unavail: true}
			}
		}
		return v, nil
	case "scalar":
		var s model.Scalar
		if err := json.Unmarshal(qd.Result, &s); err != nil {
			return nil, &Error{Type: "decode", Msg: err.Error(), unavail: true}
		}
		return model.Vector{{Metric: model.Metric{}, Value: s.Value, Timestamp: s.Timestamp}}, nil
	default:
		return nil, &Error{Type: "bad_data", Msg: fmt.Sprintf("rule result is a %q, not a vector or scalar", qd.ResultType)}
	}
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
