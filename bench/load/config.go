package load

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Environment variables that choose and shape the run.
const (
	// EnvFull runs the full matrix when set to a non-empty value other than 0.
	EnvFull = "ALERTER_BENCH_LOAD"
	// EnvScenarios is a comma-separated list of scenarios to run, from
	// scale, storm, shared, page (the default four) and scale-expr.
	EnvScenarios = "ALERTER_BENCH_LOAD_SCENARIOS"
	// EnvScale lists the scale cases as RULESxSERIES, e.g. "1000x10k,10000x1m".
	EnvScale = "ALERTER_BENCH_LOAD_SCALE"
	// EnvInterval overrides the scale scenario's evaluation interval.
	EnvInterval = "ALERTER_BENCH_LOAD_INTERVAL"
	// EnvStorm overrides how many series the storm scenario sets off at
	// once, e.g. "100k" (10,000 by default).
	EnvStorm = "ALERTER_BENCH_LOAD_STORM"
	// EnvOut names a file that receives the report too.
	EnvOut = "ALERTER_BENCH_LOAD_OUT"
	// EnvStorage is the state store alerter runs on: "sqlite" (default)
	// or "postgres", a PostgreSQL from Debian's package that the harness
	// starts with production durability (fsync, synchronous commit).
	EnvStorage = "ALERTER_BENCH_LOAD_STORAGE"
	// EnvCycles is how many steady evaluation cycles the scale and shared
	// scenarios measure (1 by default); more average out a noisy machine.
	EnvCycles = "ALERTER_BENCH_LOAD_CYCLES"
)

// State stores the harness can run alerter on.
const (
	StorageSQLite   = "sqlite"
	StoragePostgres = "postgres"
)

// Scenario names.
const (
	ScenarioScale  = "scale"
	ScenarioStorm  = "storm"
	ScenarioShared = "shared"
	// ScenarioScaleExpr is the scale matrix with alerter loading
	// Prometheus's rule files unchanged (`expr: query > 0.99`), so that
	// Prometheus filters and alerter receives only the alerting series.
	// Not run by default: it adds a minute per case.
	ScenarioScaleExpr = "scale-expr"
	// ScenarioPage measures time to page against Prometheus and
	// Alertmanager (Debian's prometheus-alertmanager).
	ScenarioPage = "page"
)

// ScaleCase is one point of the scale matrix: how many rules, and how many
// series all their queries return together per evaluation.
type ScaleCase struct {
	Rules  int
	Series int
}

// PerRule is how many series each rule's query returns.
func (c ScaleCase) PerRule() int { return c.Series / c.Rules }

// String is the case as EnvScale writes it, e.g. 1000x100k.
func (c ScaleCase) String() string { return fmt.Sprintf("%dx%s", c.Rules, countString(c.Series)) }

// Config is everything a run does. Full and Smoke are the two presets;
// FromEnv applies the environment's overrides to one of them.
type Config struct {
	// Full is false for the smoke run of `make test`.
	Full bool
	// Storage is StorageSQLite or StoragePostgres.
	Storage string
	// Scenarios to run, in this order.
	Scenarios []string

	// StoredSeries is how many bench_load series the source exposes;
	// every scale case selects slices of them.
	StoredSeries int
	// ScrapeInterval is Prometheus's scrape interval.
	ScrapeInterval time.Duration

	// ScaleCases are the scale matrix, run in order.
	ScaleCases []ScaleCase
	// ScaleInterval is the groups' evaluation interval, for alerter and
	// Prometheus alike.
	ScaleInterval time.Duration
	// Cycles is how many steady cycles are measured (at least 1).
	Cycles int
	// RulesPerGroup and GroupsPerFile shape the generated rule files.
	RulesPerGroup int
	GroupsPerFile int

	// StormSeries cross their threshold at once, in StormShards
	// notification groups.
	StormSeries   int
	StormShards   int
	StormInterval time.Duration
	// StormGroupWait is the route's group_wait.
	StormGroupWait time.Duration

	// Shared rule set: SharedGroups groups of SharedQueries distinct
	// queries, each used by SharedRepeats rules.
	SharedGroups   int
	SharedQueries  int
	SharedRepeats  int
	SharedInterval time.Duration

	// Page scenario: PageTrials alerts, each in a new group, with `for:
	// PageFor`, evaluated every PageInterval, routed with group_wait
	// PageGroupWait.
	PageTrials    int
	PageFor       time.Duration
	PageInterval  time.Duration
	PageGroupWait time.Duration
}

// Full is the matrix of BENCHMARKS.md: 1,000 and 10,000 rules over 10k,
// 100k and 1M evaluated series at 30s, a 10,000-alert storm and a shared
// query set of 3,000 rules.
func Full() Config {
	var cases []ScaleCase
	for _, r := range []int{1000, 10000} {
		for _, s := range []int{10_000, 100_000, 1_000_000} {
			cases = append(cases, ScaleCase{Rules: r, Series: s})
		}
	}
	return Config{
		Full:           true,
		Scenarios:      []string{ScenarioScale, ScenarioStorm, ScenarioShared, ScenarioPage},
		StoredSeries:   100_000,
		ScrapeInterval: 15 * time.Second,
		ScaleCases:     cases,
		ScaleInterval:  30 * time.Second,
		RulesPerGroup:  100,
		GroupsPerFile:  10,
		StormSeries:    10_000,
		StormShards:    100,
		StormInterval:  5 * time.Second,
		StormGroupWait: time.Second,
		SharedGroups:   100,
		SharedQueries:  10,
		SharedRepeats:  3,
		SharedInterval: 10 * time.Second,
		PageTrials:     7,
		PageFor:        5 * time.Second,
		PageInterval:   5 * time.Second,
		PageGroupWait:  10 * time.Second,
	}
}

// Smoke is a run of a few seconds over a few hundred series, so that the
// harness itself is exercised by `make test`.
func Smoke() Config {
	return Config{
		Scenarios:      []string{ScenarioScale, ScenarioScaleExpr, ScenarioStorm, ScenarioShared, ScenarioPage},
		StoredSeries:   1000,
		ScrapeInterval: time.Second,
		ScaleCases:     []ScaleCase{{Rules: 10, Series: 1000}},
		ScaleInterval:  time.Second,
		RulesPerGroup:  5,
		GroupsPerFile:  1,
		StormSeries:    200,
		StormShards:    10,
		StormInterval:  time.Second,
		StormGroupWait: 200 * time.Millisecond,
		SharedGroups:   2,
		SharedQueries:  2,
		SharedRepeats:  3,
		SharedInterval: time.Second,
		PageTrials:     1,
		PageFor:        time.Second,
		PageInterval:   time.Second,
		PageGroupWait:  3 * time.Second,
	}
}

// FromEnv returns Full or Smoke, as EnvFull says, with the other
// variables' overrides applied and the result validated.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Smoke()
	if v := getenv(EnvFull); v != "" && v != "0" {
		c = Full()
	}
	switch v := getenv(EnvStorage); v {
	case "", StorageSQLite:
		c.Storage = StorageSQLite
	case StoragePostgres:
		c.Storage = StoragePostgres
	default:
		return Config{}, fmt.Errorf("%s: unknown store %q (want sqlite or postgres)", EnvStorage, v)
	}
	if v := getenv(EnvScenarios); v != "" {
		c.Scenarios = nil
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains([]string{ScenarioScale, ScenarioStorm, ScenarioShared, ScenarioScaleExpr, ScenarioPage}, s) {
				return Config{}, fmt.Errorf("%s: unknown scenario %q (want scale, storm, shared, scale-expr or page)", EnvScenarios, s)
			}
			c.Scenarios = append(c.Scenarios, s)
		}
	}
	if v := getenv(EnvScale); v != "" {
		cases, err := parseCases(v)
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvScale, err)
		}
		c.ScaleCases = cases
	}
	c.Cycles = 1
	if v := getenv(EnvCycles); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("%s: %q is not a positive number", EnvCycles, v)
		}
		c.Cycles = n
	}
	if v := getenv(EnvStorm); v != "" {
		n, err := parseCount(v)
		if err != nil || n <= 0 {
			return Config{}, fmt.Errorf("%s: %q is not a positive count such as 100k", EnvStorm, v)
		}
		c.StormSeries = n
	}
	if v := getenv(EnvInterval); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return Config{}, fmt.Errorf("%s: %q is not a duration of at least 1s", EnvInterval, v)
		}
		c.ScaleInterval = d
	}
	return c, c.validate()
}

// Has reports whether the scenario is to run.
func (c Config) Has(scenario string) bool { return slices.Contains(c.Scenarios, scenario) }

func (c Config) validate() error {
	for _, sc := range c.ScaleCases {
		if sc.Rules <= 0 || sc.Series <= 0 || sc.Series%sc.Rules != 0 {
			return fmt.Errorf("scale case %s: series must be a positive multiple of rules", sc)
		}
		if _, err := shardLabel(sc.PerRule()); err != nil {
			return fmt.Errorf("scale case %s: %w", sc, err)
		}
		if shards := c.StoredSeries / sc.PerRule(); shards < c.RulesPerGroup {
			return fmt.Errorf("scale case %s: %d stored series give %d slices of %d, fewer than the %d rules of a group",
				sc, c.StoredSeries, shards, sc.PerRule(), c.RulesPerGroup)
		}
	}
	if c.StoredSeries%1000 != 0 {
		return fmt.Errorf("stored series %d: must be a multiple of 1000", c.StoredSeries)
	}
	if c.StormShards <= 0 || c.StormSeries%c.StormShards != 0 {
		return fmt.Errorf("storm: %d series do not split into %d shards", c.StormSeries, c.StormShards)
	}
	if c.SharedRepeats > maxSharedRepeats || c.SharedRepeats > len(sharedThresholds) {
		return fmt.Errorf("shared: at most %d repeats", maxSharedRepeats)
	}
	if n := c.SharedGroups * c.SharedQueries; n > c.StoredSeries/sharedShardSize {
		return fmt.Errorf("shared: %d distinct queries, but only %d shards of %d series", n, c.StoredSeries/sharedShardSize, sharedShardSize)
	}
	return nil
}

// parseCases reads "1000x10k,10000x1m".
func parseCases(s string) ([]ScaleCase, error) {
	var out []ScaleCase
	for _, f := range strings.Split(s, ",") {
		r, e, ok := strings.Cut(strings.TrimSpace(strings.ToLower(f)), "x")
		if !ok {
			return nil, fmt.Errorf("%q: want RULESxSERIES, e.g. 1000x100k", f)
		}
		rules, err1 := parseCount(r)
		series, err2 := parseCount(e)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q: want RULESxSERIES, e.g. 1000x100k", f)
		}
		out = append(out, ScaleCase{Rules: rules, Series: series})
	}
	return out, nil
}

// parseCount reads 1500, 10k or 1m.
func parseCount(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1000, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1_000_000, strings.TrimSuffix(s, "m")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad count %q", s)
	}
	return n * mult, nil
}

// countString is the inverse of parseCount for round numbers.
func countString(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
