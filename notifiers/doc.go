// Package notifiers turns alert events into notifications and delivers
// them. The Dispatcher reads the events the evaluator records, routes each
// alert through the routing tree (notifiers/route), groups alerts, applies
// inhibition (notifiers/inhibit) and muting, and decides from a persisted
// notification log what each integration must be told and when
// (group_wait, group_interval, repeat_interval). Its decisions go to a
// durable per-integration outbox that Senders drain, with retries,
// exponential back-off and jitter, in order. Integrations live in one
// sub-package each (webhook, slack, pagerduty, email, opsgenie, msteams,
// telegram, discord, victorops, pushover); what they share is in
// notifiers/internal and in Message.ForIntegration, IncidentKey and
// HashKey.
//
// Delivery is at least once: a notification is written before it is sent
// and marked delivered after; duplicates can only happen in the window
// between a successful send and its record.
package notifiers
