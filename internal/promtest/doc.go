// Package promtest runs real processes for integration tests: a Prometheus
// server scraping metrics the test controls, and the alerter binary itself.
//
// Nothing here imitates Prometheus. Start runs the prometheus binary found by
// Binary, Source serves the gauges the test sets, and Build/BuildAlerter
// compile the project's commands once per test process. Every process runs
// in its own process group, is stopped in t.Cleanup, and has its log tail
// printed when the test fails.
//
// The package targets Linux and other Unix systems.
package promtest
