package promtest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestSeriesKey(t *testing.T) {
	tests := []struct {
		name    string
		metric  string
		labels  map[string]string
		want    string
		wantErr bool
	}{
		{"no labels", "up", nil, "up ", false},
		{"sorted", "x", map[string]string{"b": "2", "a": "1"}, `x{a="1",b="2"} `, false},
		{"escaped", "x", map[string]string{"a": "q\"b\\n\n"}, `x{a="q\"b\\n\n"} `, false},
		{"colon name", "job:x:sum", nil, "job:x:sum ", false},
		{"bad metric", "1x", nil, "", true},
		{"empty metric", "", nil, "", true},
		{"bad label", "x", map[string]string{"a-b": "1"}, "", true},
		{"reserved label", "x", map[string]string{"__name__": "y"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := seriesKey(tt.metric, tt.labels)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("seriesKey = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func scrape(t *testing.T, s *Source) map[string]float64 {
	t.Helper()
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	got := map[string]float64{}
	for name, fam := range fams {
		for _, m := range fam.Metric {
			var b strings.Builder
			b.WriteString(name)
			for _, lp := range m.Label {
				b.WriteString("," + lp.GetName() + "=" + lp.GetValue())
			}
			got[b.String()] = m.GetGauge().GetValue()
		}
	}
	return got
}

func TestSourceSetDeleteClear(t *testing.T) {
	s := NewSource(t)
	s.Set("x", map[string]string{"a": "1"}, 1)
	s.Set("x", map[string]string{"a": "2"}, 2)
	s.Set("x", map[string]string{"a": "1"}, 1.5) // update
	s.Set("y", nil, -3)
	s.Set("z", map[string]string{"v": "quote\" and \\ and\nnewline"}, 4)

	got := scrape(t, s)
	want := map[string]float64{"x,a=1": 1.5, "x,a=2": 2, "y": -3, "z,v=quote\" and \\ and\nnewline": 4}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}

	if !s.Delete("x", map[string]string{"a": "1"}) || s.Delete("x", map[string]string{"a": "1"}) {
		t.Error("Delete should report true once, then false")
	}
	if got := scrape(t, s); len(got) != 3 {
		t.Errorf("after Delete: %v", got)
	}
	s.Clear()
	if got := scrape(t, s); len(got) != 0 || s.Len() != 0 {
		t.Errorf("after Clear: %v", got)
	}
	if s.Scrapes() != 3 {
		t.Errorf("Scrapes() = %d, want 3", s.Scrapes())
	}
}

func TestSourceSetMany(t *testing.T) {
	s := NewSource(t)
	gauges := make([]Gauge, 1000)
	for i := range gauges {
		gauges[i] = Gauge{Name: "load_series", Labels: map[string]string{"i": strconv.Itoa(i)}, Value: float64(i)}
	}
	s.SetMany(gauges)
	got := scrape(t, s)
	if len(got) != 1000 || got["load_series,i=999"] != 999 {
		t.Errorf("got %d series, load_series{i=999} = %v", len(got), got["load_series,i=999"])
	}
}

func TestSourceFailing(t *testing.T) {
	s := NewSource(t)
	s.SetFailing(true)
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d while failing, want 503", resp.StatusCode)
	}
	s.SetFailing(false)
	scrape(t, s)
}

func TestSourceConcurrent(t *testing.T) {
	s := NewSource(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				l := map[string]string{"w": strconv.Itoa(w), "i": strconv.Itoa(i % 10)}
				s.Set("c", l, float64(i))
				if i%3 == 0 {
					s.Delete("c", l)
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			resp, err := http.Get(s.URL())
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	})
	wg.Wait()
}

// BenchmarkSourceRender measures one scrape's rendering of 100k series.
func BenchmarkSourceRender(b *testing.B) {
	s := NewSource(b)
	gauges := make([]Gauge, 100_000)
	for i := range gauges {
		gauges[i] = Gauge{
			Name:   "load_series",
			Labels: map[string]string{"instance": "host-" + strconv.Itoa(i%500), "id": strconv.Itoa(i)},
			Value:  float64(i),
		}
	}
	s.SetMany(gauges)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		s.render(&buf)
	}
	b.SetBytes(int64(buf.Len()))
}
