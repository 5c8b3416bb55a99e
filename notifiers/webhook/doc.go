// Package webhook posts notifications as Alertmanager's webhook JSON
// (version "4"), so that anything that receives Alertmanager webhooks can
// receive alerter's.
//
// # Request signing
//
// When hmac_secret or hmac_secret_file is set, every POST carries two
// headers:
//
//	X-Alerter-Timestamp: <t>
//	X-Alerter-Signature: sha256=<s>
//
// (the second one's name is hmac_header when set), where
//
//	t = the time of sending, in decimal Unix seconds (for example 1773500966)
//	s = lower-case hex of HMAC-SHA256(key = secret, message = t + "." + body)
//
// and body is the exact bytes of the request body as sent (JSON followed
// by a newline), before any parsing. The secret is used as raw bytes (the
// UTF-8 of the configured string; a secret file's content with
// surrounding white space trimmed).
//
// A receiver verifies a request as follows (Verify does all of it):
//
//  1. Read the raw body; do not re-encode parsed JSON.
//  2. Recompute s over t + "." + body with its copy of the secret and
//     compare it with the header's value in constant time (hmac.Equal).
//  3. Reject the request when t is more than a few minutes from its
//     clock (DefaultTolerance: 5 minutes). This bounds replays of a
//     captured request to that window; the signature covers t, so t
//     cannot be changed without the secret.
//  4. Optionally, to reject replays within the window too, remember the
//     signatures accepted in the last tolerance period and reject a
//     signature seen before. alerter signs every attempt afresh (retries
//     get a new t, hence a new signature), so a repeated signature is
//     never a legitimate retry.
//
// To rotate the secret, let receivers accept the old and the new one until
// alerter sends with the new one (hmac_secret_file is read at every send,
// so rewriting the file switches without a reload). Signing authenticates
// the body; it does not hide it: use https.
//
// Retries may deliver one notification more than once (delivery is at
// least once): receivers that must not act twice should deduplicate on the
// payload (groupKey and the alerts' startsAt/endsAt), not on signatures.
package webhook
