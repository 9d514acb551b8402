// Package settings serves the workspace settings an admin changes from
// the web interface's Settings page: the agent (workspace) keys and the
// retention of each table.
//
// Why a package of its own: keys live in package auth and retention is
// enforced by the store backends; neither should know HTTP, users or the
// browser. The routes here sit behind the access Gate like every
// workspace endpoint: reading needs reader, changing needs admin, and a
// workspace (agent) key is refused (it may only send events).
//
// Keys. Both keys of a workspace are valid at every moment. Rotating one
// replaces it at once: an agent still signing with the old key is refused
// (403) from then on. It loses nothing — its spool keeps the events and it
// retries — and it reads its key file again when the file changes, so
// writing the new key there resumes sending without a restart. Rotating
// without a gap: point agents at the other key, rotate this one, move them
// back when convenient. The listing shows only the last characters of each
// key; the keys themselves are answered to POST .../keys/reveal and to a
// rotation (both recorded in the audit log with who and when).
//
//	GET  /v1/workspaces/{id}/keys                  {"keys":[KeyView]}
//	POST /v1/workspaces/{id}/keys/reveal           {"keys":[KeyView with key]}
//	POST /v1/workspaces/{id}/keys/{kind}/rotate    KeyView with key (kind: primary, secondary)
//
// Retention. A workspace may give any table its own retention (1 to
// MaxRetentionDays days); the others keep the server's default. Rows
// leave by when the workspace received them, at the store's next
// retention pass (wsec serve --retention-interval, hourly by default).
// The settings live in <data>/settings/retention.json.
//
//	GET /v1/workspaces/{id}/retention    RetentionBody {"defaultDays","maxDays","tables":{"<table>":days}}
//	PUT /v1/workspaces/{id}/retention    {"tables":{...}} replaces the workspace's → RetentionBody
package settings
