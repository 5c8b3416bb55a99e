package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// sharedShardSize is how many series each query of the shared scenario
// returns (it selects by the s10 label).
const sharedShardSize = 10

// redundantMatchers are, for the shard s10="n", equality matchers that
// every series of the shard also matches (its s100 and s1000 labels). The
// unshared variant of the shared scenario adds the first k of them to a
// query's k-th repeat: that changes its canonical text, so alerter cannot
// share it, but not its answer, and costs Prometheus next to nothing
// (small postings lists; a `label!=""` matcher instead would make it
// merge the postings of every value of the label).
func redundantMatchers(shard int) []string {
	return []string{fmt.Sprintf(`s100="%d"`, shard/10), fmt.Sprintf(`s1000="%d"`, shard/100)}
}

// maxSharedRepeats is how many rules can repeat one query: the original
// and one per redundant matcher.
const maxSharedRepeats = 3

// sharedThresholds are the conditions of a query's repeats, like warning,
// critical and page levels over one expression.
var sharedThresholds = []string{"value > 0.9", "value > 0.95", "value > 0.99"}

// ruleFile is the YAML shape of a rule file; Prometheus and alerter both
// load it (the shared scenario's query/condition rules only alerter).
type ruleFile struct {
	Groups []ruleGroup `yaml:"groups"`
}

type ruleGroup struct {
	Name     string         `yaml:"name"`
	Interval model.Duration `yaml:"interval"`
	Rules    []rule         `yaml:"rules"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr,omitempty"`
	Query       string            `yaml:"query,omitempty"`
	Condition   string            `yaml:"condition,omitempty"`
	For         model.Duration    `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// scaleThreshold is the scale rules' threshold: series i has value
// (i mod 1000)/1000, so 9 in 1000 evaluated series are above it and become
// pending alerts; the others are evaluated and dropped, as most series are
// in a real deployment.
const scaleThreshold = 0.99

// scaleRules generates one scale case twice, RulesPerGroup rules to a
// group: as alerter evaluates it (a query returning every series of a
// slice, and the condition `value > 0.99` that alerter applies to each)
// and as Prometheus's rule manager evaluates the same alert (`expr: query
// > 0.99`). Both raise the same alerts with the same names, labels and
// annotations; alerter fetches and evaluates every series of the slice,
// which is what "evaluated series" counts. Rule i selects shard
// i mod (stored/per) of its slice size's label, so the case covers
// min(Series, StoredSeries) distinct series and no group asks the same
// query twice (nothing is shared). `for: 1h` keeps the alerts pending for
// the whole run: evaluated every cycle, never notified.
//
// caseLabel becomes every alert's bench_case label, so that the case's
// alerts can be counted in Prometheus's ALERTS series.
func scaleRules(c ScaleCase, cfg Config, caseLabel string) (alerterGroups, promGroups []ruleGroup, err error) {
	per := c.PerRule()
	label, err := shardLabel(per)
	if err != nil {
		return nil, nil, err
	}
	shards := cfg.StoredSeries / per
	if shards < cfg.RulesPerGroup {
		return nil, nil, fmt.Errorf("scale case %s: %d shards of %d series cannot give the %d rules of a group distinct queries", c, shards, per, cfg.RulesPerGroup)
	}
	for i := 0; i < c.Rules; i++ {
		if i%cfg.RulesPerGroup == 0 {
			g := ruleGroup{
				Name:     fmt.Sprintf("load-%05d", len(alerterGroups)),
				Interval: model.Duration(cfg.ScaleInterval),
			}
			alerterGroups = append(alerterGroups, g)
			promGroups = append(promGroups, g)
		}
		query := fmt.Sprintf(`%s{%s="%d"}`, LoadMetric, label, i%shards)
		r := rule{
			Alert:       fmt.Sprintf("BenchLoad%05d", i),
			For:         model.Duration(time.Hour),
			Labels:      map[string]string{"severity": "warning", "bench_case": caseLabel},
			Annotations: map[string]string{"summary": "bench_load {{ $labels.idx }} is at {{ $value }}"},
		}
		ar, pr := r, r
		ar.Query, ar.Condition = query, fmt.Sprintf("value > %g", scaleThreshold)
		pr.Expr = fmt.Sprintf("%s > %g", query, scaleThreshold)
		ag, pg := &alerterGroups[len(alerterGroups)-1], &promGroups[len(promGroups)-1]
		ag.Rules = append(ag.Rules, ar)
		pg.Rules = append(pg.Rules, pr)
	}
	return alerterGroups, promGroups, nil
}

// scaleActive is how many alerts a scale case raises: the series of its
// rules' slices whose value is above scaleThreshold.
func scaleActive(c ScaleCase, cfg Config) int {
	per := c.PerRule()
	shards := cfg.StoredSeries / per
	n := 0
	for i := 0; i < c.Rules; i++ {
		first := (i % shards) * per
		for j := first; j < first+per; j++ {
			if float64(j%1000)/1000 > scaleThreshold {
				n++
			}
		}
	}
	return n
}

// stormRules is one group with one rule that every StormMetric series
// fires at once when the storm sets them to 1 (`for: 0`).
func stormRules(interval time.Duration) []ruleGroup {
	return []ruleGroup{{
		Name:     "storm",
		Interval: model.Duration(interval),
		Rules: []rule{{
			Alert:       "StormHigh",
			Expr:        StormMetric + " > 0.5",
			Labels:      map[string]string{"severity": "critical"},
			Annotations: map[string]string{"summary": "shard {{ $labels.shard }} series {{ $labels.idx }} at {{ $value }}"},
		}},
	}}
}

// sharedRules generates SharedGroups groups of SharedQueries queries,
// each used by SharedRepeats query/condition rules with rising
// thresholds. With shared false, repeat k of a query carries k no-op
// matchers, so every rule sends its own query.
func sharedRules(cfg Config, shared bool) []ruleGroup {
	var groups []ruleGroup
	for g := 0; g < cfg.SharedGroups; g++ {
		grp := ruleGroup{Name: fmt.Sprintf("shared-%03d", g), Interval: model.Duration(cfg.SharedInterval)}
		for q := 0; q < cfg.SharedQueries; q++ {
			shard := g*cfg.SharedQueries + q
			for k := 0; k < cfg.SharedRepeats; k++ {
				matchers := []string{fmt.Sprintf(`s%d="%d"`, sharedShardSize, shard)}
				if !shared {
					matchers = append(matchers, redundantMatchers(shard)[:k]...)
				}
				grp.Rules = append(grp.Rules, rule{
					Alert:     fmt.Sprintf("Shared%03dQ%02dL%d", g, q, k),
					Query:     fmt.Sprintf("%s{%s}", LoadMetric, strings.Join(matchers, ",")),
					Condition: sharedThresholds[k%len(sharedThresholds)],
					For:       model.Duration(time.Hour),
				})
			}
		}
		groups = append(groups, grp)
	}
	return groups
}

// ruleFilePath is the absolute path of the n-th file writeRuleFiles
// writes: alerter and Prometheus are both given absolute paths, so that
// their group keys ("file;group") match.
func ruleFilePath(dir, prefix string, n int) string {
	p := filepath.Join(dir, fmt.Sprintf("%s-%03d.yml", prefix, n))
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// writeRuleFiles writes groups into dir, perFile groups to a file (group i
// goes to ruleFilePath(dir, prefix, i/perFile)), and returns the files.
func writeRuleFiles(dir, prefix string, groups []ruleGroup, perFile int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for start := 0; start < len(groups); start += perFile {
		end := min(start+perFile, len(groups))
		b, err := yaml.Marshal(ruleFile{Groups: groups[start:end]})
		if err != nil {
			return nil, err
		}
		p := ruleFilePath(dir, prefix, len(files))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	return files, nil
}

// countRules is the number of rules in groups.
func countRules(groups []ruleGroup) int {
	n := 0
	for _, g := range groups {
		n += len(g.Rules)
	}
	return n
}
