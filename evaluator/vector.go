package evaluator

import (
	"hash/maphash"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
)

// Label is one label of a series.
type Label struct {
	Name, Value string
}

// Labels is a series' label set, sorted by name, each name once. A slice
// of pairs costs a fraction of a map, and with interned strings (equal
// strings sharing their bytes) two sets compare quickly.
type Labels []Label

// Get returns the value of the named label, "" when it is absent.
func (ls Labels) Get(name string) string {
	for i := range ls {
		if ls[i].Name == name {
			return ls[i].Value
		}
	}
	return ""
}

// Equal reports whether both sets hold the same labels.
func (ls Labels) Equal(o Labels) bool {
	if len(ls) != len(o) {
		return false
	}
	for i := range ls {
		if ls[i] != o[i] {
			return false
		}
	}
	return true
}

// Map returns the labels as a new map, the form templates and conditions
// that fall back to expr-lang's VM read.
func (ls Labels) Map() map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Name] = l.Value
	}
	return m
}

// hash is a process-local hash of the labels, for in-memory caches only.
func (ls Labels) hash(seed maphash.Seed) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	for i := range ls {
		h.WriteString(ls[i].Name)
		h.WriteByte(0xff)
		h.WriteString(ls[i].Value)
		h.WriteByte(0xff)
	}
	return h.Sum64()
}

// Sample is one series of an instant query's result.
type Sample struct {
	Labels Labels
	Value  float64
}

// Vector is an instant query's result. A Querier fills it with Reset and
// Append; its memory is reused from one evaluation to the next, so the
// label slices of its samples are valid only until the next Reset (the
// strings themselves may be kept).
type Vector struct {
	Samples []Sample
	labels  []Label // backing store of the samples' label slices
}

// Reset empties v, keeping its memory for the next result.
func (v *Vector) Reset() {
	clear(v.Samples) // drop references to strings of the last result
	v.Samples = v.Samples[:0]
	clear(v.labels)
	v.labels = v.labels[:0]
}

// Append adds a sample, copying ls into v's memory and sorting the copy by
// name if it is not sorted. Names in ls must be unique.
func (v *Vector) Append(ls []Label, value float64) {
	v.reserve(len(ls))
	start := len(v.labels)
	v.labels = append(v.labels, ls...)
	own := Labels(v.labels[start:len(v.labels):len(v.labels)])
	for i := 1; i < len(own); i++ {
		if own[i].Name < own[i-1].Name {
			slices.SortFunc(own, compareLabels)
			break
		}
	}
	v.Samples = append(v.Samples, Sample{Labels: own, Value: value})
}

// AppendMetric adds a sample given as a model.Metric, for callers (and
// tests) that hold Prometheus's client types.
func (v *Vector) AppendMetric(m model.Metric, value float64) {
	v.reserve(len(m))
	start := len(v.labels)
	for k, val := range m {
		v.labels = append(v.labels, Label{Name: string(k), Value: string(val)})
	}
	own := Labels(v.labels[start:len(v.labels):len(v.labels)])
	slices.SortFunc(own, compareLabels)
	v.Samples = append(v.Samples, Sample{Labels: own, Value: value})
}

// reserve makes room for n more labels. When the backing store grows, the
// samples already appended move to the new one, so that the old one is
// not kept alive by them.
func (v *Vector) reserve(n int) {
	if len(v.labels)+n <= cap(v.labels) {
		return
	}
	grown := slices.Grow(v.labels[:len(v.labels):len(v.labels)], n)
	off := 0
	for i := range v.Samples {
		k := len(v.Samples[i].Labels)
		v.Samples[i].Labels = grown[off : off+k : off+k]
		off += k
	}
	v.labels = grown
}

func compareLabels(a, b Label) int { return strings.Compare(a.Name, b.Name) }
