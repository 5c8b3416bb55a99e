package load

import (
	"testing"

	"github.com/alerter/alerter/rules"
)

// loadGroups writes groups and loads them with alerter's own loader.
func loadGroups(t *testing.T, groups []ruleGroup) []*rules.Group {
	t.Helper()
	files, err := writeRuleFiles(t.TempDir(), "r", groups, 3)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	return set.Groups
}

// distinctKeys counts the distinct canonical queries of each group.
func distinctKeys(g *rules.Group) int {
	seen := map[string]bool{}
	for _, r := range g.Rules {
		seen[r.QueryKey] = true
	}
	return len(seen)
}

func TestScaleRulesShareNothing(t *testing.T) {
	cfg := Full()
	cfg.StoredSeries = 10_000
	cfg.RulesPerGroup = 10
	for _, c := range []ScaleCase{{Rules: 100, Series: 100}, {Rules: 100, Series: 100_000}, {Rules: 20, Series: 2000}} {
		groups, promGroups, err := scaleRules(c, cfg, c.String())
		if err != nil {
			t.Fatal(err)
		}
		if countRules(groups) != c.Rules || countRules(promGroups) != c.Rules {
			t.Fatalf("%s: %d and %d rules, want %d", c, countRules(groups), countRules(promGroups), c.Rules)
		}
		for _, g := range loadGroups(t, groups) {
			if n := distinctKeys(g); n != len(g.Rules) {
				t.Errorf("%s: group %s has %d distinct queries for %d rules", c, g.Name, n, len(g.Rules))
			}
		}
		loadGroups(t, promGroups) // Prometheus's form loads in alerter too
	}
}

func TestScaleActive(t *testing.T) {
	cfg := Full()
	// 1M evaluated series, 9 in 1000 above the threshold.
	if got := scaleActive(ScaleCase{Rules: 1000, Series: 1_000_000}, cfg); got != 9000 {
		t.Errorf("scaleActive = %d, want 9000", got)
	}
	// One series per rule: rules 991..999 of every 1000.
	if got := scaleActive(ScaleCase{Rules: 10_000, Series: 10_000}, cfg); got != 90 {
		t.Errorf("scaleActive = %d, want 90", got)
	}
}

func TestSharedRulesShareOnlyWhenAsked(t *testing.T) {
	cfg := Smoke()
	for _, shared := range []bool{true, false} {
		for _, g := range loadGroups(t, sharedRules(cfg, shared)) {
			want := cfg.SharedQueries
			if !shared {
				want = cfg.SharedQueries * cfg.SharedRepeats
			}
			if n := distinctKeys(g); n != want {
				t.Errorf("shared=%v: group %s has %d distinct queries, want %d", shared, g.Name, n, want)
			}
		}
	}
}

func TestStormRulesLoad(t *testing.T) {
	if gs := loadGroups(t, stormRules(Full().StormInterval)); len(gs) != 1 || len(gs[0].Rules) != 1 {
		t.Fatalf("storm rules: %d groups", len(gs))
	}
}
