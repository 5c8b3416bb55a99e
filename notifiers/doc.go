// Package notifiers delivers the events that the evaluator records in the
// state store's outbox. A Deliverer drains the outbox, groups events into
// Messages and hands each Message to the Integrations of a receiver (one
// sub-package per integration, such as notifiers/webhook).
//
// Delivery is at least once: an event leaves the outbox only after every
// integration has either accepted it or rejected it permanently. Routing,
// inhibition, silencing and escalation will slot in between reading the
// outbox and building Messages.
package notifiers
