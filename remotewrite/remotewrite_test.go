package remotewrite

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/internal/strictyaml"
)

func TestEncodeRoundTrip(t *testing.T) {
	in := []Sample{
		{Labels: labels.FromStrings("__name__", "job:up:sum", "job", "node"), T: 1700000000123, V: 3},
		{Labels: labels.FromStrings("__name__", "ALERTS", "alertname", "X", "alertstate", "firing"), T: 1700000000123, V: 1},
		{Labels: labels.FromStrings("__name__", "gone"), T: 1700000000124, V: math.Float64frombits(value.StaleNaN)},
	}
	body, err := encode(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Timeseries) != len(in) {
		t.Fatalf("%d series, want %d", len(req.Timeseries), len(in))
	}
	for i, ts := range req.Timeseries {
		var b labels.ScratchBuilder
		for _, l := range ts.Labels {
			b.Add(l.Name, l.Value)
		}
		got := b.Labels()
		if !labels.Equal(got, in[i].Labels) {
			t.Errorf("series %d labels %s, want %s", i, got, in[i].Labels)
		}
		if len(ts.Samples) != 1 || ts.Samples[0].Timestamp != in[i].T || math.Float64bits(ts.Samples[0].Value) != math.Float64bits(in[i].V) {
			t.Errorf("series %d samples %+v, want %v@%d", i, ts.Samples, in[i].V, in[i].T)
		}
	}
	for i := 1; i < len(req.Timeseries[0].Labels); i++ {
		if req.Timeseries[0].Labels[i-1].Name >= req.Timeseries[0].Labels[i].Name {
			t.Fatal("labels not sorted by name, as the protocol requires")
		}
	}
}

// fakeTransport answers requests with the statuses in answers (then 200)
// and records each request.
type fakeTransport struct {
	mu      sync.Mutex
	answers []int
	header  http.Header // sent with every non-200 answer
	reqs    []*http.Request
	bodies  [][]byte
	times   []time.Time
}

func (f *fakeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r)
	f.bodies = append(f.bodies, b)
	f.times = append(f.times, time.Now())
	code := http.StatusOK
	if len(f.answers) > 0 {
		code, f.answers = f.answers[0], f.answers[1:]
	}
	if code < 0 {
		return nil, errors.New("connection refused")
	}
	resp := &http.Response{StatusCode: code, Status: strconv.Itoa(code) + " " + http.StatusText(code), Header: http.Header{}, Body: io.NopCloser(strings.NewReader("because\n")), Request: r}
	if code != http.StatusOK {
		for k, v := range f.header {
			resp.Header[k] = v
		}
	}
	return resp, nil
}

func (f *fakeTransport) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// testWriter builds a Writer with one endpoint whose HTTP client goes
// through ft.
func testWriter(t *testing.T, ft *fakeTransport, reg prometheus.Registerer, mod func(*Config)) *Writer {
	t.Helper()
	u, _ := (&config.URL{}).Parse("http://prom.example:9090/api/v1/write")
	c := &Config{URL: &config.URL{URL: u}, Name: "main", Headers: map[string]string{"X-Scope-OrgID": "team"},
		HTTPClientConfig: config.DefaultHTTPClientConfig}
	if mod != nil {
		mod(c)
	}
	w, err := New(Options{Configs: []*Config{c}, Registerer: reg, UserAgent: "alerter/test"})
	if err != nil {
		t.Fatal(err)
	}
	w.queues[0].client.http = &http.Client{Transport: ft}
	return w
}

func sample(name string, t int64, v float64) (labels.Labels, int64, float64) {
	return labels.FromStrings("__name__", name, "job", "node"), t, v
}

func TestRequestShape(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTransport{}
		w := testWriter(t, ft, nil, nil)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx) }()
		app := w.Appender()
		app.Append(sample("a", 1000, 1))
		app.Append(sample("b", 1000, 2))
		if err := app.Commit(ctx, true); err != nil {
			t.Fatal(err)
		}
		r := ft.reqs[0]
		for k, want := range map[string]string{
			"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
			"X-Prometheus-Remote-Write-Version": "0.1.0", "User-Agent": "alerter/test", "X-Scope-Orgid": "team",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("header %s = %q, want %q", k, got, want)
			}
		}
		if r.Method != http.MethodPost || r.URL.String() != "http://prom.example:9090/api/v1/write" {
			t.Errorf("%s %s", r.Method, r.URL)
		}
		req, err := decode(ft.bodies[0])
		if err != nil || len(req.Timeseries) != 2 {
			t.Fatalf("body: %v, %v", req, err)
		}
		cancel()
		<-done
	})
}

// Recoverable failures (5xx, network) are retried with exponential
// back-off from min_backoff, capped at max_backoff; Retry-After wins.
func TestRetryBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		ft := &fakeTransport{answers: []int{503, -1, 500, 502, 500, 200}}
		w := testWriter(t, ft, reg, func(c *Config) {
			c.QueueConfig.MinBackoff = model.Duration(100 * time.Millisecond)
			c.QueueConfig.MaxBackoff = model.Duration(300 * time.Millisecond)
		})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx) }()
		app := w.Appender()
		app.Append(sample("a", 1000, 1))
		if err := app.Commit(ctx, true); err != nil {
			t.Fatalf("Commit after retries: %v", err)
		}
		var gaps []time.Duration
		for i := 1; i < len(ft.times); i++ {
			gaps = append(gaps, ft.times[i].Sub(ft.times[i-1]))
		}
		want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}
		if len(gaps) != len(want) {
			t.Fatalf("gaps %v, want %v", gaps, want)
		}
		for i := range want {
			if gaps[i] != want[i] {
				t.Fatalf("gaps %v, want %v", gaps, want)
			}
		}
		if got := testutil.ToFloat64(w.queues[0].m.retried); got != 5 {
			t.Errorf("retried = %v, want 5", got)
		}
		if got := testutil.ToFloat64(w.queues[0].m.sent); got != 1 {
			t.Errorf("sent = %v, want 1", got)
		}

		// 429 with Retry-After: the receiver's wait.
		ft.mu.Lock()
		ft.answers, ft.header = []int{429}, http.Header{"Retry-After": {"2"}}
		ft.mu.Unlock()
		before := ft.calls()
		app.Append(sample("a", 2000, 1))
		if err := app.Commit(ctx, true); err != nil {
			t.Fatal(err)
		}
		if gap := ft.times[before+1].Sub(ft.times[before]); gap != 2*time.Second {
			t.Errorf("retry after a 429 with Retry-After: 2 came %v later", gap)
		}
		cancel()
		<-done
	})
}

// A 4xx other than 429 is permanent: not retried, counted as failed,
// reported to a waiting Commit; later samples go on.
func TestPermanentFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTransport{answers: []int{400}}
		w := testWriter(t, ft, nil, nil)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx) }()
		app := w.Appender()
		app.Append(sample("a", 1000, 1))
		err := app.Commit(ctx, true)
		if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "remote write main") {
			t.Fatalf("Commit = %v, want the 400 named", err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := ft.calls(); n != 1 {
			t.Fatalf("%d requests, want 1: a 400 is not retried", n)
		}
		if got := testutil.ToFloat64(w.queues[0].m.failed); got != 1 {
			t.Errorf("failed = %v", got)
		}
		app.Append(sample("a", 2000, 1))
		if err := app.Commit(ctx, true); err != nil {
			t.Fatalf("the next samples: %v", err)
		}
		cancel()
		<-done
	})
}

// 429 is permanent when retry_on_http_429 is false.
func TestRateLimitNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := false
		ft := &fakeTransport{answers: []int{429}}
		w := testWriter(t, ft, nil, func(c *Config) { c.QueueConfig.RetryOnRateLimit = &f })
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx) }()
		app := w.Appender()
		app.Append(sample("a", 1000, 1))
		if err := app.Commit(ctx, true); err == nil {
			t.Fatal("Commit succeeded although the 429 is not to be retried")
		}
		cancel()
		<-done
	})
}

// Appending never blocks: with the endpoint down, the queue fills up to
// its capacity and then drops its oldest samples, counted; a waiting
// Commit gives up with its context and the samples are sent later.
func TestFullQueueDropsOldest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTransport{answers: []int{503, 503, 503, 503, 503, 503, 503, 503}}
		w := testWriter(t, ft, nil, func(c *Config) {
			c.QueueConfig.Capacity = 3
			c.QueueConfig.MaxSamplesPerSend = 2
			c.QueueConfig.BatchSendDeadline = model.Duration(time.Second)
		})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx) }()
		app := w.Appender()
		for i := range 6 {
			app.Append(sample("a", int64(1000+i), float64(i)))
			if err := app.Commit(ctx, false); err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		q := w.queues[0]
		if got := testutil.ToFloat64(q.m.dropped); got == 0 {
			t.Fatal("nothing dropped from a full queue")
		}
		if got := testutil.ToFloat64(q.m.pending); got > 3+2 {
			t.Errorf("pending = %v, beyond capacity plus one batch", got)
		}
		wctx, wcancel := context.WithTimeout(ctx, 50*time.Millisecond)
		app.Append(sample("a", 2000, 9))
		if err := app.Commit(wctx, true); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Commit while the endpoint is down = %v, want its deadline", err)
		}
		wcancel()
		time.Sleep(time.Minute)
		synctest.Wait()
		req, err := decode(ft.bodies[len(ft.bodies)-1])
		if err != nil {
			t.Fatal(err)
		}
		last := req.Timeseries[len(req.Timeseries)-1].Samples[0]
		if last.Timestamp != 2000 {
			t.Fatalf("last sample sent %+v, want the newest (queued when Commit gave up)", last)
		}
		if got := testutil.ToFloat64(q.m.pending); got != 0 {
			t.Errorf("pending = %v once the endpoint is back", got)
		}
		cancel()
		<-done
	})
}

func TestWriteRelabel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var doc yaml.Node
		src := "- source_labels: [__name__]\n  regex: ALERTS_FOR_STATE\n  action: drop\n- target_label: origin\n  replacement: alerter\n"
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		var rcs []*RelabelConfig
		if errs := strictyaml.Decode(&doc, &rcs); len(errs) > 0 {
			t.Fatal(errs)
		}
		ft := &fakeTransport{}
		w := testWriter(t, ft, nil, func(c *Config) { c.WriteRelabelConfigs = rcs })
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx) }()
		app := w.Appender()
		app.Append(sample("ALERTS", 1000, 1))
		app.Append(sample("ALERTS_FOR_STATE", 1000, 1))
		if err := app.Commit(ctx, true); err != nil {
			t.Fatal(err)
		}
		req, err := decode(ft.bodies[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(req.Timeseries) != 1 {
			t.Fatalf("%d series sent, want ALERTS only", len(req.Timeseries))
		}
		var names []string
		for _, l := range req.Timeseries[0].Labels {
			names = append(names, l.Name+"="+l.Value)
		}
		if got := strings.Join(names, ","); got != "__name__=ALERTS,job=node,origin=alerter" {
			t.Fatalf("labels %s", got)
		}
		cancel()
		<-done
	})
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"url: http://p:9090/api/v1/write\n", ""},
		{"name: x\n", "url: is required"},
		{"url: ftp://p/\n", "url: must be an http(s) URL"},
		{"url: http://p/\nheaders: {Authorization: x}\n", "headers: Authorization is a reserved header"},
		{"url: http://p/\nqueue_config: {min_backoff: 10s, max_backoff: 1s}\n", "min_backoff must not be greater"},
		{"url: http://p/\nwrite_relabel_configs: [{action: replace}]\n", "requires 'target_label'"},
		{"url: http://p/\nwrite_relabel_configs: [{action: keep, regex: 'a', bogus: 1}]\n", "bogus"},
		{"url: http://p/\nqueue_config: {max_shards: 4}\n", "max_shards"},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(tt.yaml), &doc); err != nil {
			t.Fatal(err)
		}
		c := &Config{HTTPClientConfig: config.DefaultHTTPClientConfig}
		var msg string
		if errs := strictyaml.Decode(&doc, c); len(errs) > 0 {
			msg = errs.Error()
		} else if err := c.Validate(); err != nil {
			msg = err.Error()
		}
		if (tt.want == "") != (msg == "") || !strings.Contains(msg, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.yaml, msg, tt.want)
		}
	}
}

func TestEmptyCommit(t *testing.T) {
	w, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w.Enabled() {
		t.Fatal("a writer without endpoints is enabled")
	}
	app := w.Appender()
	app.Append(sample("a", 1, 1))
	if err := app.Commit(context.Background(), true); err != nil {
		t.Fatal(err)
	}
}
