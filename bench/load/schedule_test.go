package load

import (
	"testing"
	"time"
)

func TestPlaceGroups(t *testing.T) {
	const iv = 30 * time.Second
	groups := []ruleGroup{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}}
	file := func(i int) string { return "/rules/f.yml" }
	from, to := 15*time.Second, 27*time.Second
	off := func(f, n string) time.Duration { return promOffset(f, n, iv) }
	if err := placeGroups(groups, file, from, to, off); err != nil {
		t.Fatal(err)
	}
	slot := (to - from) / time.Duration(len(groups))
	for i, g := range groups {
		o := off(file(i), g.Name)
		if lo := from + time.Duration(i)*slot; o < lo || o >= lo+slot {
			t.Errorf("group %d (%s) at %v, want in [%v, %v)", i, g.Name, o, lo, lo+slot)
		}
	}
}

// TestAlerterOffsetIsFNV64a pins alerterOffset to FNV-64a, which
// evaluator.newIntervalSchedule uses (FNV-64a("a") = 0xaf63dc4c8601ec8c).
func TestAlerterOffsetIsFNV64a(t *testing.T) {
	const iv = 30 * time.Second
	if got, want := alerterOffset("a", iv), time.Duration(uint64(0xaf63dc4c8601ec8c)%uint64(iv)); got != want {
		t.Errorf("alerterOffset(a) = %v, want %v", got, want)
	}
}

func TestOverlap(t *testing.T) {
	a := []span{{0, 2}, {1, 3}, {10, 11}}
	b := []span{{2.5, 4}, {10.5, 20}}
	if got := overlap(a, b); got != 1 {
		t.Errorf("overlap = %v, want 1 (0.5 + 0.5)", got)
	}
	if got := overlap(a, nil); got != 0 {
		t.Errorf("overlap with nothing = %v", got)
	}
}
