package replay

import (
	"context"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/evaluator"
)

// Source is where history comes from: Prometheus's range queries, and
// instant queries for what range queries cannot serve (template queries,
// cron-scheduled groups). *datasource.Client satisfies it.
type Source interface {
	QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (model.Matrix, error)
	evaluator.Querier
}

// fetchKey names one range query of one chunk.
type fetchKey struct {
	query string
	start time.Time
	step  time.Duration
	n     int
}

// fetched is a range query's answer, served back one evaluation at a time.
type fetched struct {
	key    fetchKey
	series []fetchedSeries
}

type fetchedSeries struct {
	labels []evaluator.Label
	times  []model.Time
	values []float64
}

func newFetched(k fetchKey, m model.Matrix) *fetched {
	f := &fetched{key: k, series: make([]fetchedSeries, 0, len(m))}
	for _, ss := range m {
		s := fetchedSeries{times: make([]model.Time, len(ss.Values)), values: make([]float64, len(ss.Values))}
		for name, v := range ss.Metric {
			s.labels = append(s.labels, evaluator.Label{Name: string(name), Value: string(v)})
		}
		for i, p := range ss.Values {
			s.times[i], s.values[i] = p.Timestamp, float64(p.Value)
		}
		f.series = append(f.series, s)
	}
	return f
}

// covers reports whether ts is one of the fetched evaluation times.
func (f *fetched) covers(ts time.Time) bool {
	d := ts.Sub(f.key.start)
	return d >= 0 && d%f.key.step == 0 && int(d/f.key.step) < f.key.n
}

// at fills into with the samples at ts (to the millisecond, as range
// queries are answered).
func (f *fetched) at(ts time.Time, into *evaluator.Vector) int {
	into.Reset()
	mt := model.Time(ts.UnixMilli())
	n := 0
	for i := range f.series {
		s := &f.series[i]
		lo, hi := 0, len(s.times)
		for lo < hi {
			mid := (lo + hi) / 2
			if s.times[mid] < mt {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if lo < len(s.times) && s.times[lo] == mt {
			into.Append(s.labels, s.values[lo])
			n++
		}
	}
	return n
}

// chunkQuerier answers the evaluator from the current chunk's range
// queries; what they do not cover goes to the source as an instant query.
type chunkQuerier struct {
	src     Source
	byQuery map[string][]*fetched
	// returned records the queries that returned at least one series.
	returned map[string]bool
	instant  int
}

func newChunkQuerier(src Source) *chunkQuerier {
	return &chunkQuerier{src: src, byQuery: map[string][]*fetched{}, returned: map[string]bool{}}
}

// set replaces the chunk's answers.
func (q *chunkQuerier) set(fs []*fetched) {
	clear(q.byQuery)
	for _, f := range fs {
		q.byQuery[f.key.query] = append(q.byQuery[f.key.query], f)
	}
}

// Query implements evaluator.Querier.
func (q *chunkQuerier) Query(ctx context.Context, query string, ts time.Time, into *evaluator.Vector) error {
	for _, f := range q.byQuery[query] {
		if f.covers(ts) {
			if f.at(ts, into) > 0 {
				q.returned[query] = true
			}
			return nil
		}
	}
	q.instant++
	if err := q.src.Query(ctx, query, ts, into); err != nil {
		return err
	}
	if len(into.Samples) > 0 {
		q.returned[query] = true
	}
	return nil
}
