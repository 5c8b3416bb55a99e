package load

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Both engines evaluate a group at a fixed offset within its interval,
// derived from a hash of the group's file and name, so that groups spread
// out. The scale scenario names its groups so that alerter's groups all
// fall in the first half of the interval and Prometheus's in the second:
// the two engines run the same rules at the same time without evaluating
// at the same moment on the same two cores.

// alerterOffset is where in its interval alerter evaluates the group
// with key "file;name" (evaluator.newIntervalSchedule: FNV-64a).
func alerterOffset(key string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return time.Duration(h.Sum64() % uint64(interval))
}

// promOffset is where in its interval Prometheus's rule manager evaluates
// the group (rules.Group.hash: the hash of the labels {file, name}, which
// for Prometheus 2.x's label implementation is xxhash over
// "file\xff<file>\xffname\xff<name>\xff").
func promOffset(file, name string, interval time.Duration) time.Duration {
	const sep = "\xff"
	h := xxhash.Sum64String("file" + sep + file + sep + "name" + sep + name + sep)
	return time.Duration(h % uint64(interval))
}

// placeGroups renames groups (adding a numeric suffix) so that group i's
// offset, as offset computes it for the file it will be written to, falls
// in the i-th of len(groups) equal slots of [from, to). It spreads the
// groups evenly over that part of the interval.
func placeGroups(groups []ruleGroup, fileOf func(i int) string, from, to time.Duration,
	offset func(file, name string) time.Duration) error {
	slot := (to - from) / time.Duration(len(groups))
	if slot <= 0 {
		return fmt.Errorf("placing %d groups in %v: no room", len(groups), to-from)
	}
	for i := range groups {
		lo := from + time.Duration(i)*slot
		base := groups[i].Name
		found := false
		// The chance of a hit is slot/interval per try.
		for n := 0; n < 1_000_000 && !found; n++ {
			name := fmt.Sprintf("%s-%d", base, n)
			if o := offset(fileOf(i), name); o >= lo && o < lo+slot {
				groups[i].Name, found = name, true
			}
		}
		if !found {
			return fmt.Errorf("no name for group %s in slot [%v, %v)", base, lo, lo+slot)
		}
	}
	return nil
}
