package codec

import (
	"encoding/json"
	"time"

	"github.com/alerter/alerter/alert"
)

// flapRecord is the stored form of an alert's flap history (alert.Flap),
// times as Unix nanoseconds like every other stored time.
type flapRecord struct {
	Resolutions []int64 `json:"resolutions,omitempty"`
	LastChange  int64   `json:"last_change,omitempty"`
	Since       int64   `json:"since,omitempty"`
	Incident    int64   `json:"incident,omitempty"`
	Ended       int64   `json:"ended,omitempty"`
}

func toFlapRecord(f *alert.Flap) (*flapRecord, error) {
	if f == nil {
		return nil, nil
	}
	var r flapRecord
	var err error
	for _, t := range f.Resolutions {
		n, err := EncodeTime(t)
		if err != nil {
			return nil, err
		}
		r.Resolutions = append(r.Resolutions, n)
	}
	for _, p := range []struct {
		dst *int64
		t   time.Time
	}{{&r.LastChange, f.LastChange}, {&r.Since, f.Since}, {&r.Incident, f.Incident}, {&r.Ended, f.Ended}} {
		if *p.dst, err = EncodeTime(p.t); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

func fromFlapRecord(r *flapRecord) *alert.Flap {
	if r == nil {
		return nil
	}
	f := &alert.Flap{LastChange: DecodeTime(r.LastChange), Since: DecodeTime(r.Since),
		Incident: DecodeTime(r.Incident), Ended: DecodeTime(r.Ended)}
	for _, n := range r.Resolutions {
		f.Resolutions = append(f.Resolutions, DecodeTime(n))
	}
	return f
}

// EncodeFlap returns the alerts table's text for an alert's flap history:
// "" for none, JSON otherwise.
func EncodeFlap(f *alert.Flap) (string, error) {
	r, err := toFlapRecord(f)
	if err != nil || r == nil {
		return "", err
	}
	b, err := json.Marshal(r)
	return string(b), err
}

// DecodeFlap is the inverse of EncodeFlap.
func DecodeFlap(b []byte) (*alert.Flap, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var r flapRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return fromFlapRecord(&r), nil
}
