package datasource

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/alerter/alerter/evaluator"
)

// vectorBody renders a Prometheus /api/v1/query answer with n series
// shaped like node_exporter's: __name__, env, instance, job.
func vectorBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"status":"success","data":{"resultType":"vector","result":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"metric":{"__name__":"node_cpu_busy","env":"prod","instance":"host-%d:9100","job":"node"},"value":[1700000000.123,"0.%d"]}`, i, i%100)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

const benchSeries = 10000

// BenchmarkDecode decodes a 10,000-series answer the way Client.Query
// does, into a Vector reused from the previous call: the steady state of a
// rule whose series do not change.
func BenchmarkDecode(b *testing.B) {
	body := vectorBody(benchSeries)
	c, err := New(Options{URL: "http://localhost:9090"})
	if err != nil {
		b.Fatal(err)
	}
	var v evaluator.Vector
	r := bytes.NewReader(body)
	if err := c.decode(200, r, &v); err != nil { // intern the labels once
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(body)
		if err := c.decode(200, r, &v); err != nil || len(v.Samples) != benchSeries {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchSeries), "ns/series")
}

// BenchmarkDecodeEncodingJSON is the decoding Client.Query did before
// (io.ReadAll, encoding/json into model.Vector), for comparison.
func BenchmarkDecodeEncodingJSON(b *testing.B) {
	body := vectorBody(benchSeries)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ := io.ReadAll(bytes.NewReader(body))
		v, err := referenceDecode(200, buf)
		if err != nil || len(v) != benchSeries {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchSeries), "ns/series")
}
