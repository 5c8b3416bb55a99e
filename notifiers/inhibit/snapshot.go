package inhibit

import (
	"encoding/binary"

	"github.com/prometheus/common/model"
)

// Snapshot is the inhibiting side of every rule for one set of firing
// alerts: per rule, the values of its equal labels on the alerts that
// match its source side. Building it costs one pass over the firing
// alerts; each Inhibited call then costs one lookup per rule, whatever the
// number of firing alerts. It is immutable and safe for concurrent use.
type Snapshot struct {
	ih     *Inhibitor
	firing []model.LabelSet
	// all[i] maps the equal-label keys of rule i's sources to the index
	// in firing of the first such source; oneSided[i] the same for the
	// sources that do not also match rule i's target side.
	all, oneSided []map[string]int
}

// Snapshot indexes the firing alerts. Pass every firing alert, including
// ones that are themselves silenced or inhibited, and no resolved ones:
// that is what inhibits in Alertmanager.
func (ih *Inhibitor) Snapshot(firing []model.LabelSet) *Snapshot {
	s := &Snapshot{ih: ih, firing: firing}
	if ih == nil {
		return s
	}
	s.all = make([]map[string]int, len(ih.rules))
	s.oneSided = make([]map[string]int, len(ih.rules))
	var buf []byte
	for i, r := range ih.rules {
		all, one := map[string]int{}, map[string]int{}
		for j, a := range firing {
			if !r.source.Matches(a) {
				continue
			}
			buf = r.key(buf[:0], a)
			if _, ok := all[string(buf)]; !ok {
				all[string(buf)] = j
			}
			if _, ok := one[string(buf)]; !ok && !r.target.Matches(a) {
				one[string(buf)] = j
			}
		}
		s.all[i], s.oneSided[i] = all, one
	}
	return s
}

// Inhibited reports whether target is inhibited, and by which rule: the
// first rule whose target side matches target and for which some firing
// source has the same values of the equal labels. When target also
// matches the rule's source side, only sources that do not match its
// target side count, so that alerts matching both sides cannot inhibit
// one another or themselves, as in Alertmanager. (This holds whichever
// source shares the values; Alertmanager's own index keeps one source per
// set of values and may miss a one-sided source behind a two-sided one.)
// The index is -1 when target is not inhibited.
func (s *Snapshot) Inhibited(target model.LabelSet) (bool, int) {
	_, rule := s.inhibitor(target)
	return rule >= 0, rule
}

// InhibitedBy returns the fingerprint of an alert that inhibits target
// (as Alertmanager's API lists in inhibitedBy), and false when none does.
func (s *Snapshot) InhibitedBy(target model.LabelSet) (model.Fingerprint, bool) {
	src, rule := s.inhibitor(target)
	if rule < 0 {
		return 0, false
	}
	return s.firing[src].Fingerprint(), true
}

// inhibitor returns the index of an inhibiting source and its rule, or
// -1, -1.
func (s *Snapshot) inhibitor(target model.LabelSet) (int, int) {
	if s.ih == nil {
		return -1, -1
	}
	var arr [256]byte
	for i, r := range s.ih.rules {
		if !r.target.Matches(target) {
			continue
		}
		sources := s.all[i]
		if r.source.Matches(target) {
			sources = s.oneSided[i]
		}
		if len(sources) == 0 {
			continue
		}
		key := r.key(arr[:0], target)
		if j, ok := sources[string(key)]; ok {
			return j, i
		}
	}
	return -1, -1
}

// key appends the values of the rule's equal labels in ls, each prefixed
// with its length so that no two different tuples share a key. A missing
// label reads as the empty string, as in Alertmanager.
func (r *rule) key(buf []byte, ls model.LabelSet) []byte {
	for _, n := range r.equal {
		v := ls[n]
		buf = binary.AppendUvarint(buf, uint64(len(v)))
		buf = append(buf, v...)
	}
	return buf
}
