package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Snapshot is one scrape of a process's /metrics, taken at At.
type Snapshot struct {
	At       time.Time
	families map[string]*dto.MetricFamily
}

// scrapeClient fetches /metrics; a busy Prometheus answers within seconds.
var scrapeClient = &http.Client{Timeout: 30 * time.Second}

// Scrape reads the text exposition at url.
func Scrape(ctx context.Context, url string) (Snapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Snapshot{}, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	at := time.Now()
	resp, err := scrapeClient.Do(req)
	if err != nil {
		return Snapshot{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return Snapshot{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return ParseSnapshot(at, resp.Body)
}

// ParseSnapshot parses a text exposition read at at.
func ParseSnapshot(at time.Time, r io.Reader) (Snapshot, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return Snapshot{}, fmt.Errorf("parsing metrics: %w", err)
	}
	return Snapshot{At: at, families: fams}, nil
}

// Sum adds up the counter, gauge or untyped series of name whose labels
// include match, or of a histogram's name_sum or name_count; 0 when there
// are none.
func (s Snapshot) Sum(name string, match map[string]string) float64 {
	total := 0.0
	s.each(name, func(labels map[string]string, v float64) {
		if includes(labels, match) {
			total += v
		}
	})
	return total
}

// ByLabel maps each value of label to the series of name carrying it
// (summed if several do).
func (s Snapshot) ByLabel(name, label string) map[string]float64 {
	out := map[string]float64{}
	s.each(name, func(labels map[string]string, v float64) {
		if lv, ok := labels[label]; ok {
			out[lv] += v
		}
	})
	return out
}

// Has reports whether the exposition has the metric family name.
func (s Snapshot) Has(name string) bool { return s.families[name] != nil }

func (s Snapshot) each(name string, fn func(labels map[string]string, v float64)) {
	fam := s.families[name]
	part := "" // of a histogram: "_sum" or "_count"
	if fam == nil {
		for _, suffix := range []string{"_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suffix); ok && s.families[base] != nil {
				fam, part = s.families[base], suffix
			}
		}
	}
	if fam == nil {
		return
	}
	for _, m := range fam.GetMetric() {
		labels := make(map[string]string, len(m.GetLabel()))
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		var v float64
		switch {
		case part == "_sum" && m.Histogram != nil:
			v = m.GetHistogram().GetSampleSum()
		case part == "_count" && m.Histogram != nil:
			v = float64(m.GetHistogram().GetSampleCount())
		case part != "":
			continue
		case m.Counter != nil:
			v = m.GetCounter().GetValue()
		case m.Gauge != nil:
			v = m.GetGauge().GetValue()
		case m.Untyped != nil:
			v = m.GetUntyped().GetValue()
		default:
			continue
		}
		fn(labels, v)
	}
}

func includes(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
