package evaluator

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Query batching. Each query costs alerter an HTTP round trip (most of
// its CPU for rules of a few series) and the datasource a request, a
// parse and a standalone evaluation. A group's rules are therefore asked
// in as few requests as their answers allow: one PromQL expression that
// unites the rules' queries, each part marked with a label that tells it
// apart, split again on arrival:
//
//	(label_replace((q0), "__alerter_rule", "0", "__alerter_rule", ".*")
//	 or label_replace((q1), "__alerter_rule", "1", "__alerter_rule", ".*"))
//
// The marker is set on each part before the union, so no series of one
// part can collide with a series of another (`or` drops a right-hand
// series whose labels, __name__ aside, equal a left-hand one's), and each
// part keeps exactly its own query's series, values, order and __name__
// (label_replace keeps the metric name). A scalar query becomes
// vector(q), one series with no labels, which is how alerter reads a
// scalar. The unions nest as a balanced tree, so that the datasource
// matches each series against O(log n) others, not O(n).
//
// A datasource fails the whole expression when any part fails. Then the
// rules of the batch are asked one query each, as without batching, so
// that each gets its own answer or error; a rule that fails alone is left
// out of batches until it succeeds alone again, and a batch that failed
// although all its parts succeed alone (the datasource's query timeout or
// sample limit) halves the group's batch size. Rules that are not vectors
// or scalars, rules whose query may read what an earlier recording rule of
// the group recorded in the same evaluation, and rules whose last answer
// was large go alone.

// batchLabel marks each part of a batch. Label names starting with "__"
// are reserved by Prometheus for its own use; a series that carries this
// one loses it.
const batchLabel = "__alerter_rule"

// Batch limits: at most maxBatchParts distinct queries, and parts whose
// last answers add up to at most maxBatchSeries series (so that one answer
// and its split copy stay small). After batchGrowAfter batches in a row
// succeed, a batch size that was halved doubles again.
const (
	maxBatchParts  = 256
	maxBatchSeries = 10_000
	batchGrowAfter = 10
)

// batcher is a group's batching state, used only by its evaluations.
type batcher struct {
	max    int // parts per batch, halved on a failure its parts do not explain
	streak int // batches that succeeded since max last changed
	// alone holds the queries (by key) that failed when asked alone: they
	// stay out of batches, where they would fail the others too, until
	// they succeed alone. samples is each query's last answer's size.
	alone   map[string]bool
	samples map[string]int
	vec     Vector
	labels  []Label
	// failed are the batches of the current evaluation that failed, to
	// learn from once their rules were asked alone.
	failed []failedBatch
}

// failedBatch is a batch that failed: its queries (by key).
type failedBatch struct{ keys []string }

// batchPart is one distinct query of a batch.
type batchPart struct {
	key   string
	rules []*ruleRuntime
}

// batchable reports whether a rule's query may go in a batch.
func (b *batcher) batchable(rt *ruleRuntime) bool {
	switch rt.rule.QueryType {
	case "vector", "scalar":
	default:
		return false
	}
	key := rt.queryKey()
	return !b.alone[key] && b.samples[key] <= maxBatchSeries/2
}

func (b *batcher) init() {
	if b.alone == nil {
		b.alone, b.samples = map[string]bool{}, map[string]int{}
	}
}

// answered records how a query fared when asked alone.
func (b *batcher) answered(key string, samples int, err error) {
	b.init()
	if err != nil {
		b.alone[key] = true
		return
	}
	delete(b.alone, key)
	b.samples[key] = samples
}

// queryKey is the key under which a rule's answer is shared within one
// group evaluation.
func (rt *ruleRuntime) queryKey() string {
	if rt.rule.QueryKey != "" {
		return rt.rule.QueryKey
	}
	return rt.rule.Query
}

// prefetch asks, in one batch, the queries of rules[0] and of the rules
// after it up to the next one that must wait for recorded samples, that
// are not answered yet in shared nor were tried in a batch in this
// evaluation; it puts each part's answer in shared. Nothing is put there
// when the batch fails: the rules then query alone. When there is no batch
// to send (fewer than two such queries), it returns how many rules it
// looked at: no batch can start before them in this evaluation.
func (g *groupRuntime) prefetch(ctx context.Context, rules []*ruleRuntime, ts time.Time, shared map[string]queryResult, tried map[string]bool, recording bool) (none int) {
	if g.m.opts.NoBatching || len(rules) < 2 {
		return len(rules)
	}
	b := &g.batch
	if b.max == 0 {
		b.max = maxBatchParts
	}
	var (
		parts   []*batchPart
		byKey   = map[string]*batchPart{}
		series  int
		scanned = len(rules)
	)
	for i, rt := range rules {
		if i > 0 && recording && rt.waitForRecords {
			scanned = i
			break
		}
		if !recording && !rt.rule.IsAlerting() {
			continue
		}
		key := rt.queryKey()
		if p := byKey[key]; p != nil {
			p.rules = append(p.rules, rt)
			continue
		}
		if _, done := shared[key]; done || tried[key] || !b.batchable(rt) {
			continue
		}
		n := b.samples[key]
		if len(parts) >= b.max || len(parts) > 0 && series+n > maxBatchSeries {
			scanned = i
			break
		}
		series += n
		p := &batchPart{key: key, rules: []*ruleRuntime{rt}}
		byKey[key] = p
		parts = append(parts, p)
	}
	if len(parts) < 2 {
		return scanned
	}
	keys := make([]string, len(parts))
	for i, p := range parts {
		tried[p.key] = true
		keys[i] = p.key
	}
	b.init()
	met := g.m.metrics
	start := time.Now()
	qctx, cancel := context.WithTimeout(ctx, g.m.queryTimeout)
	err := g.m.querier.Query(qctx, batchQuery(parts, g.sentQuery), ts.Add(-g.queryOffset), &b.vec)
	cancel()
	met.queries.Inc()
	met.batches.Inc()
	dur := time.Since(start)
	met.queryDuration.Observe(dur.Seconds())
	if err == nil {
		err = b.split(parts, g.resultVector)
	}
	b.vec.Reset() // keep no reference to this answer's strings
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		met.batchFailures.Inc()
		b.failed = append(b.failed, failedBatch{keys: keys})
		g.log.Debug("batched query failed; its rules query alone", "queries", len(parts), "err", err)
		return 0
	}
	share := dur / time.Duration(len(parts))
	for _, p := range parts {
		v := g.resultVector(p.key)
		b.samples[p.key] = len(v.Samples)
		shared[p.key] = queryResult{vec: v, batched: true, dur: share}
	}
	if b.streak++; b.streak >= batchGrowAfter && b.max < maxBatchParts {
		b.max, b.streak = min(2*b.max, maxBatchParts), 0
	}
	return 0
}

// learnFromBatches adjusts the batch size after an evaluation whose batches failed:
// when every rule of a failed batch then succeeded alone, the batch itself
// was the problem (too slow, too many samples for the datasource's
// limits), so batches get smaller. Queries that failed alone are already
// left out of later batches (alone).
func (g *groupRuntime) learnFromBatches(ctx context.Context) {
	b := &g.batch
	if ctx.Err() != nil {
		b.failed = b.failed[:0]
		return
	}
	largest := 0 // parts of the largest batch its rules do not explain
	for _, f := range b.failed {
		explained := false
		for _, k := range f.keys {
			explained = explained || b.alone[k]
		}
		if !explained {
			largest = max(largest, len(f.keys))
		}
	}
	if largest > 0 {
		b.max, b.streak = max(1, min(b.max, largest)/2), 0
		g.log.Info("a batched query failed although its rules succeed alone; batching fewer queries", "batch_size", b.max)
	}
	clear(b.failed)
	b.failed = b.failed[:0]
}

// batchQuery is the PromQL of a batch: each part marked with its index,
// united in a balanced tree of `or`.
func batchQuery(parts []*batchPart, sent func(*ruleRuntime) string) string {
	marked := make([]string, len(parts))
	for i, p := range parts {
		q := sent(p.rules[0])
		inner := "(" + q + "\n)" // a newline ends a trailing # comment
		if p.rules[0].rule.QueryType == "scalar" {
			inner = "vector(" + q + "\n)"
		}
		marked[i] = "label_replace(" + inner + `, "` + batchLabel + `", "` + strconv.Itoa(i) + `", "` + batchLabel + `", ".*")`
	}
	return orTree(marked)
}

func orTree(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	mid := len(parts) / 2
	return "(" + orTree(parts[:mid]) + "\nor " + orTree(parts[mid:]) + ")"
}

// errBadBatch is an answer that does not split into the batch's parts.
var errBadBatch = errors.New("batched answer has a series without a valid part marker")

// split moves the batch's answer into each part's Vector, without the
// marker label, in the order the answer gives them.
func (b *batcher) split(parts []*batchPart, vecOf func(key string) *Vector) error {
	vecs := make([]*Vector, len(parts))
	for i, p := range parts {
		vecs[i] = vecOf(p.key)
		vecs[i].Reset()
	}
	for _, s := range b.vec.Samples {
		idx, marked := -1, 0
		b.labels = b.labels[:0]
		for _, l := range s.Labels {
			if l.Name != batchLabel {
				b.labels = append(b.labels, l)
				continue
			}
			marked++
			if n, err := strconv.Atoi(l.Value); err == nil && n >= 0 && n < len(parts) && strconv.Itoa(n) == l.Value {
				idx = n
			}
		}
		if marked != 1 || idx < 0 {
			for _, v := range vecs {
				v.Reset()
			}
			return errBadBatch
		}
		vecs[idx].Append(b.labels, s.Value)
	}
	clear(b.labels)
	return nil
}
