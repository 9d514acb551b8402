// Package notify delivers analytics alerts and incidents to webhooks: a
// JSON POST per alert or incident change, signed with the webhook's
// secret, retried with backoff until the receiver answers 2xx, at least
// once.
//
// # Configuration
//
// A workspace has named webhooks (Webhook: URL, secret, optionally the
// rules it is for — IDs or names; none: every rule — and whether it wants
// alerts, incidents or both), kept in the workspace's webhooks.json.
//
// # Requests
//
//	POST <url>
//	Content-Type: application/json
//	X-Wsec-Event: alert | incident
//	X-Wsec-Idempotency-Key: <key>      the same on every retry of a delivery
//	X-Wsec-Timestamp: <unix seconds>   when this attempt was sent
//	X-Wsec-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
//	{"type": "alert", "workspace": "<id>", "webhook": "<name>", "alert": Alert}
//	{"type": "incident", "workspace": "<id>", "webhook": "<name>", "incident": incident.Incident}
//
// The key of an alert is its SystemAlertId; of an incident change, the
// incident's name and version. A receiver verifies the signature (and that
// the timestamp is recent) and drops a key it has seen: a delivery may
// arrive more than once (a crash after the receiver answered, before the
// queue forgot it), never not at all while the receiver comes back within
// MaxAttempts.
//
// # Queue
//
// Enqueue writes each delivery as its own file (atomically) before it
// returns, so deliveries survive restarts and crashes; a delivery's file
// is removed once the receiver answered 2xx. Attempts back off
// exponentially from Options.RetryBase to RetryMax (Retry-After is
// honoured); after MaxAttempts a delivery moves to the dead/ folder and is
// logged. A 4xx other than 408 and 429 is not retried: the receiver
// refuses the request as it is.
package notify
