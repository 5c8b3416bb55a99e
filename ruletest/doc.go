// Package ruletest runs rule unit tests: files in the format of
// `promtool test rules`, unchanged, plus alerter's extensions for testing
// notifications (routing, grouping, inhibition, silences,
// acknowledgements, escalation).
//
// Input series are loaded into an in-memory Prometheus TSDB head and
// PromQL is evaluated by Prometheus's own engine, in-process. Rules are
// evaluated by alerter's real evaluator (conditions, resolve, severities,
// schedules, state machine), stepped through simulated time that starts
// at the Unix epoch, as promtool's does; notifications come from the real
// dispatcher, stepped the same way. Nothing sleeps and no clock is read.
package ruletest
