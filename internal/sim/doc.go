// Package sim runs alerter's real evaluator and notification pipeline in
// simulated time, for `alerter test` and `alerter replay`: an in-memory
// store behind the state interfaces, and a notification pipeline built
// from alerter.yml whose dispatcher is stepped at the times it asks for
// instead of running on the wall clock. Nothing is delivered: the
// notifications the dispatcher queues are handed to the caller.
package sim
