// Package replay backtests rules over Prometheus's history: it reads what
// each rule's query returned over a past range, through the query_range
// API in bounded chunks, and runs alerter's real evaluator (conditions,
// resolve, severities, state machine) over it at each group's evaluation
// times, and, given alerter.yml, the real notification pipeline (routing,
// grouping, inhibition, repeat_interval, escalation) in simulated time. It
// reports, per rule and per alert, how often it went pending, fired and
// resolved, how many notifications it would have sent and to whom, how
// long it took to fire and how long episodes lasted, how many episodes
// were flaps, and the share of time firing; and it compares two versions
// of a rule set over the same history.
//
// Memory does not grow with the length of the range: history is read a
// chunk at a time and dropped, figures are kept in per-rule and per-alert
// accumulators (with a bounded number of alerts per rule and bounded
// duration samples), and timelines are streamed out.
package replay
