package load

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/pgtest"
	"github.com/alerter/alerter/internal/promtest"
)

// bench is what every scenario shares: the source of synthetic series, the
// Prometheus that scrapes it and the alerter binary.
type bench struct {
	cfg      Config
	dir      string
	src      *promtest.Source
	prom     *promtest.Prometheus
	promOpts promtest.Options
	bin      string
	// pg is the PostgreSQL alerter runs on (Config.Storage "postgres").
	pg *pgtest.Server
	// poll is how often progress is checked while waiting for evaluations.
	poll time.Duration
}

// newBench starts the source with every series the scenarios need and a
// Prometheus scraping it, and waits until one full scrape is stored.
func newBench(t *testing.T, cfg Config) *bench {
	t.Helper()
	b := &bench{cfg: cfg, dir: t.TempDir(), poll: time.Second}
	if !cfg.Full {
		b.poll = 100 * time.Millisecond
	}
	b.bin = promtest.BuildAlerter(t)
	if cfg.Storage == StoragePostgres {
		b.pg = pgtest.New(t, pgtest.Options{Durable: true})
	}
	b.src = promtest.NewSource(t)
	b.src.SetMany(loadGauges(cfg.StoredSeries))
	if cfg.Has(ScenarioStorm) {
		b.src.SetMany(stormGauges(cfg.StormSeries, cfg.StormShards, 0))
	}
	b.promOpts = promtest.Options{
		Targets:            []string{b.src.Addr()},
		ScrapeInterval:     cfg.ScrapeInterval,
		EvaluationInterval: cfg.ScaleInterval,
	}
	b.prom = promtest.Start(t, b.promOpts)
	b.prom.WaitForSeries(t, fmt.Sprintf("count(%s) == %d", LoadMetric, cfg.StoredSeries), 2*cfg.ScrapeInterval+time.Minute)
	return b
}

// setPromRules makes Prometheus's rule manager evaluate exactly files
// (none: it evaluates nothing).
func (b *bench) setPromRules(t *testing.T, files []string) {
	t.Helper()
	opts := b.promOpts
	opts.RuleFiles = files
	b.prom.Reconfigure(t, opts)
}

// scrapeProm reads Prometheus's own metrics.
func (b *bench) scrapeProm(t *testing.T) Snapshot {
	t.Helper()
	return mustScrape(t, b.prom.MetricsURL())
}

// mustScrape reads url's metrics, failing the test if it cannot.
func mustScrape(t *testing.T, url string) Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Scrape(ctx, url)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	return s
}

// waitUntil calls done every poll until it reports true, failing the test
// with what after timeout. It is a wait for progress, not a timing check.
func (b *bench) waitUntil(t *testing.T, what string, timeout time.Duration, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not done within %v", what, timeout)
		}
		time.Sleep(b.poll)
	}
}

// groupKeys returns the "file;group" keys under which alerter and
// Prometheus both report the groups written by writeRuleFiles.
func groupKeys(files []string, groups []ruleGroup, perFile int) []string {
	keys := make([]string, len(groups))
	for i, g := range groups {
		keys[i] = files[i/perFile] + ";" + g.Name
	}
	return keys
}

// ruleFileOf returns where writeRules(sub, ..., perFile) will put group i.
func (b *bench) ruleFileOf(sub string, perFile int) func(i int) string {
	return func(i int) string { return ruleFilePath(filepath.Join(b.dir, sub), sub, i/perFile) }
}

// writeRules writes groups under the bench's directory.
func (b *bench) writeRules(t *testing.T, sub string, groups []ruleGroup, perFile int) (files, keys []string) {
	t.Helper()
	files, err := writeRuleFiles(filepath.Join(b.dir, sub), sub, groups, perFile)
	if err != nil {
		t.Fatal(err)
	}
	return files, groupKeys(files, groups, perFile)
}
