package ruletest

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

func TestMemStorageSelect(t *testing.T) {
	st := newMemStorage()
	a := labels.FromStrings("__name__", "m", "job", "a")
	b := labels.FromStrings("__name__", "m", "job", "b")
	c := labels.FromStrings("__name__", "other", "job", "a")
	for i := range 300 { // three chunks and a half
		for _, ls := range []labels.Labels{b, a} {
			if err := st.append(ls, int64(i)*1000, float64(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := st.append(c, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := st.append(a, 299_000, 1); !errors.Is(err, storage.ErrDuplicateSampleForTimestamp) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := st.append(a, 1000, 1); !errors.Is(err, storage.ErrOutOfOrderSample) {
		t.Fatalf("out of order: %v", err)
	}
	q, _ := st.Querier(100_000, 250_000)
	ss := q.Select(context.Background(), true, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "m"))
	var got []string
	for ss.Next() {
		s := ss.At()
		it := s.Iterator(nil)
		n, first, last := 0, int64(-1), int64(-1)
		for it.Next() == chunkenc.ValFloat {
			tt, v := it.At()
			if float64(tt/1000) != v {
				t.Fatalf("sample %d has value %v", tt, v)
			}
			if tt >= 100_000 && tt <= 250_000 {
				if first < 0 {
					first = tt
				}
				last = tt
				n++
			}
		}
		got = append(got, s.Labels().Get("job"))
		if n != 151 || first != 100_000 || last != 250_000 {
			t.Fatalf("%s: %d samples in range, %d..%d", s.Labels(), n, first, last)
		}
		it = s.Iterator(it)
		if it.Seek(200_500) != chunkenc.ValFloat || it.AtT() != 201_000 {
			t.Fatalf("seek to 200.5s lands at %d", it.AtT())
		}
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("series %v, want sorted a, b", got)
	}
	names, _, _ := q.LabelNames(context.Background(), nil)
	vals, _, _ := q.LabelValues(context.Background(), "job", nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "other"))
	if len(names) != 2 || len(vals) != 1 || vals[0] != "a" {
		t.Fatalf("names %v values %v", names, vals)
	}
}

// TestEngineOverMemStorage runs PromQL through Prometheus's engine over
// the storage: range functions across chunk boundaries, stale markers,
// the sample limit, and the Prometheus 2 name holt_winters.
func TestEngineOverMemStorage(t *testing.T) {
	st := newMemStorage()
	ls := labels.FromStrings("__name__", "c")
	for i := range 400 {
		if err := st.append(ls, int64(i)*60_000, float64(i)); err != nil {
			t.Fatal(err)
		}
	}
	stale := labels.FromStrings("__name__", "s")
	_ = st.append(stale, 0, 1)
	_ = st.append(stale, 60_000, math.Float64frombits(value.StaleNaN))
	e := newEngine(st, engineOptions{maxSamples: 300, subqueryInterval: time.Minute})
	defer e.Close()
	ctx := context.Background()
	at := func(m int) time.Time { return epoch.Add(time.Duration(m) * time.Minute) }
	for _, tc := range []struct {
		q    string
		at   int
		want float64
	}{
		{"sum_over_time(c[1h])", 300, float64(60*(241+300)) / 2}, // 241..300
		{"c", 399, 399},
		{"count(s)", 0, 1},
		{"scalar(c)", 10, 10},
		{"holt_winters(c[10m], 0.5, 0.5)", 300, 300},
	} {
		vec, err := e.instant(ctx, tc.q, at(tc.at))
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		if len(vec) != 1 || vec[0].F != tc.want {
			t.Errorf("%s at %dm = %v, want %v", tc.q, tc.at, vec, tc.want)
		}
	}
	if vec, err := e.instant(ctx, "s", at(1)); err != nil || len(vec) != 0 {
		t.Errorf("stale series still returned: %v %v", vec, err)
	}
	if _, err := e.instant(ctx, "count_over_time(c[2d])", at(399)); err == nil {
		t.Error("a query over the sample limit succeeded")
	}
	var qe interface{ Unavailable() bool }
	if _, err := e.instant(ctx, "c[5m]", at(10)); !errors.As(err, &qe) || qe.Unavailable() {
		t.Errorf("a range vector result: %v", err)
	}
}
