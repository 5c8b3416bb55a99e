package ruletest

import (
	"context"
	"slices"
	"sync"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/util/annotations"
)

// memStorage is an in-memory Prometheus storage: the series a test loads
// and what its rules write (recording rules, ALERTS, ALERTS_FOR_STATE),
// queried by Prometheus's engine through storage.Queryable. Samples of a
// series are appended in time order; each series keeps two plain slices,
// so reading allocates nothing per sample.
//
// It stands in for Prometheus's TSDB head, whose package would bring
// Prometheus's remote-write and cloud SDK dependencies into the binary;
// what the engine sees through the interface is the same.
type memStorage struct {
	mu     sync.Mutex
	byHash map[uint64][]*memSeries
	// byName indexes series by metric name; all holds every series. Both
	// are kept sorted by labels.
	byName map[string][]*memSeries
	all    []*memSeries
}

// memSeries is one series, its samples in XOR-encoded chunks of at most
// samplesPerChunk samples, as in Prometheus's TSDB.
type memSeries struct {
	lset   labels.Labels
	chunks []*memChunk
	lastT  int64
}

type memChunk struct {
	c          *chunkenc.XORChunk
	app        chunkenc.Appender
	mint, maxt int64
	n          int
}

// samplesPerChunk is the TSDB head's chunk size.
const samplesPerChunk = 120

func newMemStorage() *memStorage {
	return &memStorage{byHash: map[uint64][]*memSeries{}, byName: map[string][]*memSeries{}}
}

// series returns the series with exactly lset, creating it.
func (s *memStorage) series(lset labels.Labels) *memSeries {
	h := lset.Hash()
	for _, ms := range s.byHash[h] {
		if labels.Equal(ms.lset, lset) {
			return ms
		}
	}
	ms := &memSeries{lset: lset.Copy()}
	s.byHash[h] = append(s.byHash[h], ms)
	name := lset.Get(labels.MetricName)
	s.byName[name] = insertSorted(s.byName[name], ms)
	s.all = insertSorted(s.all, ms)
	return ms
}

// insertSorted inserts ms into l, which is sorted by labels.
func insertSorted(l []*memSeries, ms *memSeries) []*memSeries {
	i, _ := slices.BinarySearchFunc(l, ms, func(a, b *memSeries) int { return labels.Compare(a.lset, b.lset) })
	return slices.Insert(l, i, ms)
}

// append adds a sample to a series. A sample not after the series' last
// one is an error, as in Prometheus's TSDB.
func (s *memStorage) append(lset labels.Labels, t int64, v float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(s.series(lset), t, v)
}

func (s *memStorage) appendLocked(ms *memSeries, t int64, v float64) error {
	if len(ms.chunks) > 0 && t <= ms.lastT {
		if t == ms.lastT {
			return storage.ErrDuplicateSampleForTimestamp
		}
		return storage.ErrOutOfOrderSample
	}
	var c *memChunk
	if n := len(ms.chunks); n > 0 && ms.chunks[n-1].n < samplesPerChunk {
		c = ms.chunks[n-1]
	} else {
		xc := chunkenc.NewXORChunk()
		app, err := xc.Appender()
		if err != nil {
			return err
		}
		c = &memChunk{c: xc, app: app, mint: t}
		ms.chunks = append(ms.chunks, c)
	}
	c.app.Append(0, t, v)
	c.maxt, ms.lastT = t, t
	c.n++
	return nil
}

// Querier implements storage.Queryable.
func (s *memStorage) Querier(mint, maxt int64) (storage.Querier, error) {
	return &memQuerier{s: s, mint: mint, maxt: maxt}, nil
}

type memQuerier struct {
	s          *memStorage
	mint, maxt int64
}

// candidatesLocked returns the series that may match: those of the
// metric name when a matcher names it, else all; sorted by labels. The
// caller holds the lock.
func (q *memQuerier) candidatesLocked(ms []*labels.Matcher) []*memSeries {
	for _, m := range ms {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			return q.s.byName[m.Value]
		}
	}
	return q.s.all
}

func matches(ls labels.Labels, ms []*labels.Matcher) bool {
	for _, m := range ms {
		if !m.Matches(ls.Get(m.Name)) {
			return false
		}
	}
	return true
}

// Select implements storage.Querier. Series are always sorted.
func (q *memQuerier) Select(_ context.Context, _ bool, hints *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	mint, maxt := q.mint, q.maxt
	if hints != nil {
		mint, maxt = max(mint, hints.Start), min(maxt, hints.End)
	}
	var out []storage.Series
	q.s.mu.Lock()
	defer q.s.mu.Unlock()
	for _, s := range q.candidatesLocked(ms) {
		if !matches(s.lset, ms) {
			continue
		}
		var its []chunkenc.Iterable
		for _, c := range s.chunks {
			if c.maxt >= mint && c.mint <= maxt {
				its = append(its, c.c)
			}
		}
		if len(its) > 0 {
			out = append(out, &memSeriesView{lset: s.lset, chunks: its})
		}
	}
	return &memSeriesSet{series: out, i: -1}
}

// LabelValues implements storage.LabelQuerier.
func (q *memQuerier) LabelValues(_ context.Context, name string, _ *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	set := map[string]struct{}{}
	q.s.mu.Lock()
	defer q.s.mu.Unlock()
	for _, s := range q.candidatesLocked(ms) {
		if v := s.lset.Get(name); v != "" && matches(s.lset, ms) {
			set[v] = struct{}{}
		}
	}
	return sortedKeys(set), nil, nil
}

// LabelNames implements storage.LabelQuerier.
func (q *memQuerier) LabelNames(_ context.Context, _ *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	set := map[string]struct{}{}
	q.s.mu.Lock()
	defer q.s.mu.Unlock()
	for _, s := range q.candidatesLocked(ms) {
		if matches(s.lset, ms) {
			s.lset.Range(func(l labels.Label) { set[l.Name] = struct{}{} })
		}
	}
	return sortedKeys(set), nil, nil
}

// Close implements storage.LabelQuerier.
func (q *memQuerier) Close() error { return nil }

func sortedKeys(set map[string]struct{}) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

type memSeriesSet struct {
	series []storage.Series
	i      int
}

func (s *memSeriesSet) Next() bool                        { s.i++; return s.i < len(s.series) }
func (s *memSeriesSet) At() storage.Series                { return s.series[s.i] }
func (s *memSeriesSet) Err() error                        { return nil }
func (s *memSeriesSet) Warnings() annotations.Annotations { return nil }

// memSeriesView is a series' chunks that overlap a query's time range.
type memSeriesView struct {
	lset   labels.Labels
	chunks []chunkenc.Iterable
}

func (s *memSeriesView) Labels() labels.Labels { return s.lset }

func (s *memSeriesView) Iterator(it chunkenc.Iterator) chunkenc.Iterator {
	if len(s.chunks) == 1 {
		return s.chunks[0].Iterator(it)
	}
	return storage.ChainSampleIteratorFromIterables(it, s.chunks)
}

// sample is one input sample: milliseconds since the epoch and a value
// (Prometheus's stale marker included).
type sample struct {
	t int64
	f float64
}

// inputSeries is one input series and the index of its first sample not
// yet appended: samples are appended as simulated time reaches them, as
// promtool does.
type inputSeries struct {
	lset    labels.Labels
	samples []sample
	next    int
}
