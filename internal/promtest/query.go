package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// Sample is one element of an instant query's result. A scalar result is
// one Sample with a nil Metric.
type Sample struct {
	Metric map[string]string
	Value  float64
	Time   time.Time
}

// apiResponse is the envelope of Prometheus's HTTP API.
type apiResponse struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

type vectorElem struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// Query runs an instant PromQL query at the current time.
func (p *Prometheus) Query(ctx context.Context, q string) ([]Sample, error) {
	u := p.URL() + "/api/v1/query?" + url.Values{"query": {q}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("query %q: reading response: %w", q, err)
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query %q: %s: decoding response: %w", q, resp.Status, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %q: %s: %s: %s", q, resp.Status, r.ErrorType, r.Error)
	}
	return decodeResult(r.Data.ResultType, r.Data.Result)
}

func decodeResult(typ string, raw json.RawMessage) ([]Sample, error) {
	switch typ {
	case "vector":
		var elems []vectorElem
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, fmt.Errorf("decoding vector: %w", err)
		}
		out := make([]Sample, 0, len(elems))
		for _, e := range elems {
			s, err := decodePair(e.Value)
			if err != nil {
				return nil, err
			}
			s.Metric = e.Metric
			out = append(out, s)
		}
		return out, nil
	case "scalar":
		var pair [2]any
		if err := json.Unmarshal(raw, &pair); err != nil {
			return nil, fmt.Errorf("decoding scalar: %w", err)
		}
		s, err := decodePair(pair)
		if err != nil {
			return nil, err
		}
		return []Sample{s}, nil
	default:
		return nil, fmt.Errorf("unsupported result type %q (want an instant vector or scalar)", typ)
	}
}

// decodePair decodes Prometheus's [unix_seconds, "value"].
func decodePair(pair [2]any) (Sample, error) {
	ts, ok := pair[0].(float64)
	if !ok {
		return Sample{}, fmt.Errorf("bad sample timestamp %v", pair[0])
	}
	vs, ok := pair[1].(string)
	if !ok {
		return Sample{}, fmt.Errorf("bad sample value %v", pair[1])
	}
	v, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return Sample{}, fmt.Errorf("bad sample value %q: %w", vs, err)
	}
	// Prometheus timestamps have millisecond precision.
	return Sample{Value: v, Time: time.UnixMilli(int64(math.Round(ts * 1000)))}, nil
}

// WaitForSeries polls the query every 100ms until it returns at least one
// series and returns them, failing the test after timeout. It is a
// readiness wait (has Prometheus scraped it yet?), not a timing assertion.
// Call it from the test's goroutine.
func (p *Prometheus) WaitForSeries(t testing.TB, q string, timeout time.Duration) []Sample {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		samples, err := p.Query(ctx, q)
		cancel()
		if err == nil && len(samples) > 0 {
			return samples
		}
		last = err
		if time.Now().After(deadline) {
			if last == nil {
				last = fmt.Errorf("empty result")
			}
			t.Fatalf("promtest: no series for %q within %v: %v", q, timeout, last)
		}
		<-tick.C
	}
}
