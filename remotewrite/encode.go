package remotewrite

import (
	"fmt"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
)

// Sample is one sample to write: a series (its labels, __name__ included),
// a timestamp in milliseconds and a value.
type Sample struct {
	Labels labels.Labels
	T      int64
	V      float64
}

// encode returns the body of a remote-write 1.0 request: the samples as a
// prompb.WriteRequest, one time series per sample in order (a receiver
// appends them in that order), protobuf-encoded and snappy-compressed in
// the block format, as the protocol requires.
func encode(samples []Sample) ([]byte, error) {
	req := prompb.WriteRequest{Timeseries: make([]prompb.TimeSeries, len(samples))}
	for i, s := range samples {
		ts := &req.Timeseries[i]
		ts.Labels = make([]prompb.Label, 0, s.Labels.Len())
		s.Labels.Range(func(l labels.Label) {
			ts.Labels = append(ts.Labels, prompb.Label{Name: l.Name, Value: l.Value})
		})
		ts.Samples = []prompb.Sample{{Value: s.V, Timestamp: s.T}}
	}
	b, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encoding the write request: %w", err)
	}
	return snappy.Encode(nil, b), nil
}

// decode is encode's inverse, for tests and receivers of this package's
// own making.
func decode(body []byte) (*prompb.WriteRequest, error) {
	b, err := snappy.Decode(nil, body)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	var req prompb.WriteRequest
	if err := req.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("protobuf: %w", err)
	}
	return &req, nil
}
