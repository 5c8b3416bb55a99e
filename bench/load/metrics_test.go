package load

import (
	"strings"
	"testing"
	"time"
)

func TestSnapshot(t *testing.T) {
	const text = `# TYPE alerter_rule_group_iterations_total counter
alerter_rule_group_iterations_total{rule_group="a.yml;x"} 3
alerter_rule_group_iterations_total{rule_group="a.yml;y"} 2
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.5e+07
# TYPE prometheus_http_requests_total counter
prometheus_http_requests_total{code="200",handler="/api/v1/query"} 10
prometheus_http_requests_total{code="400",handler="/api/v1/query"} 1
prometheus_http_requests_total{code="200",handler="/metrics"} 7
`
	s, err := ParseSnapshot(time.Now(), strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Sum("prometheus_http_requests_total", map[string]string{"handler": "/api/v1/query"}); got != 11 {
		t.Errorf("Sum(query handler) = %v, want 11", got)
	}
	if got := s.Sum("process_resident_memory_bytes", nil); got != 1.5e7 {
		t.Errorf("Sum(rss) = %v", got)
	}
	it := iterations(s)
	if it["a.yml;x"] != 3 || it["a.yml;y"] != 2 || minOver(it, []string{"a.yml;x", "a.yml;y"}) != 2 {
		t.Errorf("iterations = %v", it)
	}
	if s.Sum("missing", nil) != 0 || s.Has("missing") {
		t.Error("a missing family sums to something")
	}
}

func TestMarkdownTable(t *testing.T) {
	tb := &Table{Title: "T", Header: []string{"a", "b"}}
	tb.Add(1, "x|y")
	want := "#### T\n\n| a | b |\n| --- | --- |\n| 1 | x\\|y |\n"
	if got := tb.Markdown(); got != want {
		t.Errorf("Markdown() =\n%s\nwant\n%s", got, want)
	}
	if thousands(1234567) != "1,234,567" || thousands(999) != "999" {
		t.Errorf("thousands: %s %s", thousands(1234567), thousands(999))
	}
}

func TestSumReadsHistogramSumAndCount(t *testing.T) {
	s, err := ParseSnapshot(time.Now(), strings.NewReader(`# TYPE q_seconds histogram
q_seconds_bucket{le="1"} 2
q_seconds_bucket{le="+Inf"} 3
q_seconds_sum 4.5
q_seconds_count 3
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Sum("q_seconds_sum", nil); got != 4.5 {
		t.Fatalf("sum %v", got)
	}
	if got := s.Sum("q_seconds_count", nil); got != 3 {
		t.Fatalf("count %v", got)
	}
}
