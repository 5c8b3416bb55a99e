package datasource

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// MaxPointsPerSeries is the most points Prometheus returns per series of
// a range query; it refuses a query that would exceed it.
const MaxPointsPerSeries = 11000

// QueryRange runs a range query: query evaluated at start, start+step, …
// up to end, as an instant query would be at each of those times. It is
// for alerter replay, which asks for bounded chunks of history: the
// answer is decoded whole (encoding/json with Prometheus's client types).
// A query that needs more than MaxPointsPerSeries steps is refused here,
// before Prometheus would refuse it.
func (c *Client) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (model.Matrix, error) {
	if step <= 0 {
		return nil, &Error{Type: "bad_data", Msg: "step must be positive"}
	}
	if n := end.Sub(start)/step + 1; n > MaxPointsPerSeries {
		return nil, &Error{Type: "bad_data", Msg: fmt.Sprintf("%d points per series, more than Prometheus's %d", n, MaxPointsPerSeries)}
	}
	// Prometheus rounds times to the millisecond; sending them truncated
	// makes the answer's timestamps those of start, start+step, … as the
	// caller computes them (truncated) from its own times.
	form := url.Values{}
	form.Set("query", query)
	form.Set("start", formatMillis(start))
	form.Set("end", formatMillis(end))
	form.Set("step", strconv.FormatFloat(float64(step.Milliseconds())/1e3, 'f', -1, 64))
	form.Set("timeout", model.Duration(c.timeout).String())
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := c.api(ctx, http.MethodPost, "api/v1/query_range", form, &data); err != nil {
		return nil, err
	}
	if data.ResultType != "matrix" {
		return nil, &Error{Type: "bad_data", Msg: fmt.Sprintf("range query result is a %q, not a matrix", data.ResultType)}
	}
	var m model.Matrix
	if err := json.Unmarshal(data.Result, &m); err != nil {
		return nil, decodeError("matrix: " + err.Error())
	}
	return m, nil
}

// RuntimeInfo is the part of Prometheus's /api/v1/status/runtimeinfo that
// alerter reads.
type RuntimeInfo struct {
	// StorageRetention is as Prometheus reports it: "15d", "10GiB",
	// "15d or 10GiB".
	StorageRetention string `json:"storageRetention"`
}

// RuntimeInfo reads Prometheus's runtime information.
func (c *Client) RuntimeInfo(ctx context.Context) (*RuntimeInfo, error) {
	var ri RuntimeInfo
	if err := c.api(ctx, http.MethodGet, "api/v1/status/runtimeinfo", nil, &ri); err != nil {
		return nil, err
	}
	return &ri, nil
}

// api calls one endpoint of Prometheus's HTTP API and decodes the data of
// a successful answer into data.
func (c *Client) api(ctx context.Context, method, path string, form url.Values, data any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout+5*time.Second)
	defer cancel()
	u := c.base.JoinPath(path)
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if form != nil {
		u.RawQuery = form.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return &Error{Type: "request", Msg: err.Error(), err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		return &Error{Type: "network", Msg: redact(err), unavail: true, err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &Error{Type: "network", Msg: redact(err), Status: resp.StatusCode, unavail: true, err: err}
	}
	var env struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		snippet := string(b)
		if len(snippet) > snippetLen {
			snippet = snippet[:snippetLen] + "…"
		}
		return &Error{Type: "http", Msg: "unexpected response: " + snippet, Status: resp.StatusCode, unavail: true}
	}
	if env.Status != "success" {
		return apiError(resp.StatusCode, env.Status, env.ErrorType, env.Error)
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		return decodeError("data: " + err.Error())
	}
	return nil
}

// formatMillis prints t as Unix seconds with exactly its milliseconds.
func formatMillis(t time.Time) string {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10)
	}
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	return fmt.Sprintf("%s%d.%03d", sign, ms/1000, ms%1000)
}
