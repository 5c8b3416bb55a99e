// Package silence owns silences and maintenance windows, and answers the
// notification side's question "is this alert muted now?" (notifiers.Muter).
//
// Silences follow Alertmanager's model so that silences, amtool invocations
// and UI habits carry over unchanged: the same validation, the same rules for
// when an update keeps its ID and when it replaces the silence with a new one,
// the same expiry and retention. alerter adds two things Alertmanager does not
// have: silences that expire once the alerts they matched have resolved
// (Silence.UntilResolved), and recurring maintenance windows given as cron
// schedules (Window).
//
// Every method takes the current time as an argument; nothing in the package
// reads the clock except the metrics collected at scrape time.
package silence
