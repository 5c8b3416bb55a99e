// Package load is alerter's load harness (`make bench-load`): it runs a
// real Prometheus scraping synthetic series that the harness controls, the
// real alerter binary against it, and Prometheus's own rule manager on the
// same rule files, and prints what they cost.
//
// The harness is TestLoad. Without ALERTER_BENCH_LOAD set it runs a tiny
// smoke version (hundreds of series, one-second intervals) so that
// `make test` keeps it working; with ALERTER_BENCH_LOAD=1 it runs the full
// matrix of BENCHMARKS.md:
//
//   - scale: for each (rules, evaluated series) case, Prometheus reloads the
//     case's rule files and a fresh alerter starts on alerter's form of the
//     same rules (query plus condition; scale-expr: Prometheus's file
//     unchanged). Group names are chosen so that alerter evaluates in the
//     first part of each interval and Prometheus in the second, so neither
//     engine's durations include the other's work. Once both have
//     evaluated every group twice, the harness reads alerter's CPU per
//     evaluation cycle, RSS and missed iterations, and compares each
//     group's last evaluation duration with Prometheus's
//     prometheus_rule_group_last_duration_seconds for the same group.
//   - storm: 10,000 series (ALERTER_BENCH_LOAD_STORM, e.g. 100k) cross
//     their rule's threshold at one scrape; the harness times the
//     evaluation that saw them (the alerts' startsAt) to the last grouped
//     webhook notification, and RSS per active alert.
//   - shared: the same rule set with repeated queries, once as written and
//     once with each repeat made textually different (so nothing can be
//     shared); Prometheus's own HTTP query counter per cycle for both.
//   - page: time to page. A rule with `for` in alerter (with and without
//     the route setting group_wait_early) and in Prometheus with
//     Alertmanager (Debian's prometheus-alertmanager), the same
//     group_wait, on one Prometheus scraping every second; each trial
//     sets a new series above the threshold and times the three webhook
//     notifications from that moment.
//
// Figures are printed as markdown tables and, when ALERTER_BENCH_LOAD_OUT
// names a file, written there too. Nothing is asserted about timings.
// Everything the harness starts runs in its own process group and is
// stopped in t.Cleanup.
package load
