package inhibit

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// naive is Alertmanager's rule, alert by alert: O(targets × sources).
func naive(ih *Inhibitor, target model.LabelSet, firing []model.LabelSet) (bool, int) {
	for i, r := range ih.rules {
		if !r.target.Matches(target) {
			continue
		}
		twoSided := r.source.Matches(target)
	sources:
		for _, s := range firing {
			if !r.source.Matches(s) {
				continue
			}
			for _, n := range r.equal {
				if s[n] != target[n] {
					continue sources
				}
			}
			if twoSided && r.target.Matches(s) {
				continue
			}
			return true, i
		}
	}
	return false, -1
}

func randomLabels(rng *rand.Rand) model.LabelSet {
	ls := model.LabelSet{}
	for _, n := range []model.LabelName{"severity", "alertname", "cluster", "s", "t"} {
		// Each label is missing, empty or one of two values.
		switch v := rng.IntN(4); v {
		case 0:
		case 1:
			ls[n] = ""
		default:
			ls[n] = model.LabelValue(fmt.Sprint(v))
		}
	}
	return ls
}

func TestSnapshotAgreesWithNaive(t *testing.T) {
	ih := mustNew(t, `
- source_matchers: ['s="2"']
  target_matchers: ['t="2"']
  equal: [alertname, cluster]
- source_matchers: ['s=~"2|3"']
  target_matchers: ['t!="3"']
  equal: [cluster]
- source_matchers: ['severity="3"']
  target_matchers: ['severity="2"']
- source_matchers: ['s="3"', 't="3"']
  target_matchers: ['t=~"3|"']
  equal: [alertname]
`)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		firing := make([]model.LabelSet, rng.IntN(8))
		for i := range firing {
			firing[i] = randomLabels(rng)
		}
		snap := ih.Snapshot(firing)
		for range 20 {
			target := randomLabels(rng)
			if rng.IntN(4) == 0 && len(firing) > 0 {
				target = firing[rng.IntN(len(firing))] // an alert against its own firing set
			}
			g1, r1 := snap.Inhibited(target)
			g2, r2 := naive(ih, target, firing)
			if g1 != g2 || r1 != r2 {
				t.Fatalf("round %d: target %s, firing %v: snapshot %v/%d, naive %v/%d", round, target, firing, g1, r1, g2, r2)
			}
		}
	}
}

func TestKeyIsUnambiguous(t *testing.T) {
	// With length prefixes, ("ab","c") and ("a","bc") are different tuples.
	ih := mustNew(t, "- source_matchers: ['s=\"1\"']\n  equal: [x, y]\n")
	firing := []model.LabelSet{{"s": "1", "x": "ab", "y": "c"}}
	if got, _ := ih.Inhibited(model.LabelSet{"x": "a", "y": "bc"}, firing); got {
		t.Error("tuples with the same concatenation collided")
	}
	if got, _ := ih.Inhibited(model.LabelSet{"x": "ab", "y": "c"}, firing); !got {
		t.Error("same tuple not inhibited")
	}
}

func BenchmarkSnapshot(b *testing.B) {
	ih, err := New(decodeRules(b, `
- source_matchers: [severity="critical"]
  target_matchers: [severity="warning"]
  equal: [alertname, cluster, service]
- source_matchers: [alertname="NodeDown"]
  target_matchers: [alertname!="NodeDown"]
  equal: [instance]
`))
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	firing := make([]model.LabelSet, n)
	targets := make([]model.LabelSet, n)
	for i := range n {
		firing[i] = model.LabelSet{
			"alertname": model.LabelValue(fmt.Sprint("A", i%50)), "cluster": model.LabelValue(fmt.Sprint(i % 7)),
			"service": model.LabelValue(fmt.Sprint(i % 13)), "severity": "critical", "instance": model.LabelValue(fmt.Sprint(i)),
		}
		t := firing[i].Clone()
		t["severity"] = "warning"
		t["service"] = model.LabelValue(fmt.Sprint(i % 17))
		targets[i] = t
	}
	b.ReportAllocs()
	for b.Loop() {
		s := ih.Snapshot(firing)
		for _, t := range targets {
			s.Inhibited(t)
		}
	}
}

// TestInhibitedByNamesASource: the fingerprint reported is that of a
// firing alert which inhibits the target under the rule that applies.
func TestInhibitedByNamesASource(t *testing.T) {
	src, err := matcher.Parse(`severity="critical"`)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := matcher.Parse(`severity="warning"`)
	if err != nil {
		t.Fatal(err)
	}
	ih, err := New([]RuleConfig{{SourceMatchers: src, TargetMatchers: dst, Equal: []string{"service"}}})
	if err != nil {
		t.Fatal(err)
	}
	crit := model.LabelSet{"alertname": "Down", "severity": "critical", "service": "api"}
	other := model.LabelSet{"alertname": "Down", "severity": "critical", "service": "web"}
	snap := ih.Snapshot([]model.LabelSet{other, crit})
	fp, ok := snap.InhibitedBy(model.LabelSet{"alertname": "Slow", "severity": "warning", "service": "api"})
	if !ok || fp != crit.Fingerprint() {
		t.Fatalf("inhibited by %v (%v), want %v", fp, ok, crit.Fingerprint())
	}
	if _, ok := snap.InhibitedBy(model.LabelSet{"alertname": "Slow", "severity": "warning", "service": "db"}); ok {
		t.Fatal("inhibited without a source")
	}
}
