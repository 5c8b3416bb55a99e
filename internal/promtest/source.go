package promtest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Source is a scrape target whose gauges the test sets. It serves the
// Prometheus text format at /metrics on 127.0.0.1 and is safe for
// concurrent use. The exposition is rendered on each scrape, unsorted, so
// it stays cheap with hundreds of thousands of series.
type Source struct {
	t   testing.TB
	srv *httptest.Server

	mu sync.RWMutex
	// fams maps a metric name to its series, keyed by the series' rendered
	// line prefix (`name{a="x",b="y"} `), which is also its identity.
	fams map[string]map[string]float64

	failing atomic.Bool
	scrapes atomic.Int64
	bufs    sync.Pool
}

// Gauge is one series for SetMany.
type Gauge struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// NewSource starts a Source; it is closed in t.Cleanup.
func NewSource(t testing.TB) *Source {
	t.Helper()
	s := &Source{t: t, fams: map[string]map[string]float64{}}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// Addr is the host:port to put in Options.Targets.
func (s *Source) Addr() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// URL is the full URL of the exposition, for fetching it directly.
func (s *Source) URL() string { return s.srv.URL + "/metrics" }

// Scrapes counts the successful scrapes served so far.
func (s *Source) Scrapes() int { return int(s.scrapes.Load()) }

// SetFailing makes scrapes fail with 503 (the target is down: up == 0)
// until called with false. The gauges are kept.
func (s *Source) SetFailing(failing bool) { s.failing.Store(failing) }

// Set creates or updates the gauge name{labels}. An invalid metric or
// label name fails the test and is ignored.
func (s *Source) Set(name string, labels map[string]string, v float64) {
	key, ok := s.key(name, labels)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set(name, key, v)
}

// SetMany sets many gauges under one lock, for bulk and load tests.
func (s *Source) SetMany(gauges []Gauge) {
	keys := make([]string, len(gauges))
	for i, g := range gauges {
		keys[i], _ = s.key(g.Name, g.Labels)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, g := range gauges {
		if keys[i] != "" {
			s.set(g.Name, keys[i], g.Value)
		}
	}
}

func (s *Source) set(name, key string, v float64) {
	fam := s.fams[name]
	if fam == nil {
		fam = map[string]float64{}
		s.fams[name] = fam
	}
	fam[key] = v
}

// Delete removes the gauge name{labels}; Prometheus marks it stale at the
// next scrape, so instant queries stop returning it. It reports whether
// the gauge existed.
func (s *Source) Delete(name string, labels map[string]string) bool {
	key, ok := s.key(name, labels)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fam := s.fams[name]
	if _, ok := fam[key]; !ok {
		return false
	}
	delete(fam, key)
	if len(fam) == 0 {
		delete(s.fams, name)
	}
	return true
}

// Clear removes every gauge.
func (s *Source) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.fams)
}

// Len counts the series currently served.
func (s *Source) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, fam := range s.fams {
		n += len(fam)
	}
	return n
}

func (s *Source) key(name string, labels map[string]string) (string, bool) {
	key, err := seriesKey(name, labels)
	if err != nil {
		s.t.Errorf("promtest: Source: %v", err)
		return "", false
	}
	return key, true
}

func (s *Source) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	if s.failing.Load() {
		http.Error(w, "promtest: source set to failing", http.StatusServiceUnavailable)
		return
	}
	buf := s.bufs.Get().(*bytes.Buffer)
	defer s.bufs.Put(buf)
	buf.Reset()
	s.render(buf)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	if _, err := w.Write(buf.Bytes()); err == nil {
		s.scrapes.Add(1)
	}
}

// render writes the text exposition of every gauge to buf.
func (s *Source) render(buf *bytes.Buffer) {
	var num [32]byte
	s.mu.RLock()
	defer s.mu.RUnlock()
	for name, fam := range s.fams {
		buf.WriteString("# TYPE ")
		buf.WriteString(name)
		buf.WriteString(" gauge\n")
		for prefix, v := range fam {
			buf.WriteString(prefix)
			buf.Write(strconv.AppendFloat(num[:0], v, 'g', -1, 64))
			buf.WriteByte('\n')
		}
	}
}
