// Package ingest takes in alerts pushed to alerter, as Prometheus servers
// push them to an Alertmanager (POST /api/v2/alerts), and turns them into
// the same alert records and firing/resolved events that the evaluator
// produces, committed through the same state store. Routing, grouping,
// inhibition, silences, acknowledgements, escalation and the durable
// outboxes therefore apply to pushed alerts unchanged, and they survive
// restarts like evaluated ones.
//
// Pushed alerts follow Alertmanager's rules: startsAt defaults to the time
// of receipt, an alert without endsAt resolves resolve_timeout after it was
// last received, re-sends refresh it, and alerts with the same labels (from
// Prometheus servers in HA pairs, say) merge into one. Their records carry
// alert.PushedRuleID, which the evaluator leaves alone.
package ingest
