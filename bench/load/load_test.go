package load

import (
	"fmt"
	"os"
	"testing"
)

// TestLoad is the load harness. Without ALERTER_BENCH_LOAD it runs the
// smoke configuration (seconds, hundreds of series) and checks only that
// every figure could be measured; with it, the full matrix (see
// BENCHMARKS.md). It prints a markdown report and writes it to
// $ALERTER_BENCH_LOAD_OUT when set. Timings are never asserted.
func TestLoad(t *testing.T) {
	cfg, err := FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() && !cfg.Full {
		t.Skip("smoke load run skipped in -short mode")
	}
	b := newBench(t, cfg)
	rep := &Report{Preamble: preamble(t, b)}

	for _, sc := range []string{ScenarioScale, ScenarioScaleExpr} {
		if !cfg.Has(sc) {
			continue
		}
		expr := sc == ScenarioScaleExpr
		var rs []scaleResult
		for _, c := range cfg.ScaleCases {
			t.Run(sc+"/"+c.String(), func(t *testing.T) {
				r := b.runScale(t, c, expr)
				rs = append(rs, r)
				t.Logf("%s %s: %.2f cycles measured, CPU %.3fs/cycle, RSS %s MiB, ratio %s, other processes %.1fs/cycle",
					sc, c, r.Cycles, r.CPU, mib(r.RSS), ratio(sum(r.Dur), sum(r.PromDur)), r.Others)
			})
		}
		rep.Tables = append(rep.Tables, scaleTable(cfg, rs, expr))
	}
	if cfg.Has(ScenarioStorm) {
		t.Run("storm", func(t *testing.T) {
			r := b.runStorm(t)
			rep.Tables = append(rep.Tables, stormTable(cfg, r))
			t.Logf("storm: %d alerts, last notification %v after their evaluation", r.Alerts, r.Last)
		})
	}
	if cfg.Has(ScenarioShared) {
		var rs []sharedResult
		for _, shared := range []bool{true, false} {
			t.Run(fmt.Sprintf("shared/%v", shared), func(t *testing.T) {
				r := b.runShared(t, shared)
				rs = append(rs, r)
				if shared && r.Saved <= 0 {
					t.Errorf("shared: alerter saved no query although %d rules repeat %d queries", r.Rules, r.Distinct)
				}
				if !shared && r.Saved > 0 {
					t.Errorf("unshared: alerter saved %.0f queries per cycle; the repeats are not distinct", r.Saved)
				}
			})
		}
		rep.Tables = append(rep.Tables, sharedTable(cfg, rs))
	}

	if cfg.Has(ScenarioPage) {
		t.Run("page", func(t *testing.T) {
			r := b.runPage(t)
			rep.Tables = append(rep.Tables, pageTable(cfg, r))
			for _, e := range pageEngines {
				t.Logf("page: %s: median %v over %d trials", e, median(r.Latency[e]), r.Trials)
			}
		})
	}

	out := rep.Markdown()
	fmt.Fprintf(os.Stdout, "\n%s\n", out)
	if p := os.Getenv(EnvOut); p != "" {
		if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
			t.Errorf("writing %s: %v", p, err)
		}
	}
}
