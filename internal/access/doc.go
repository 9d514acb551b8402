// Package access decides who may do what on a wsec server: local user
// accounts, their roles per workspace, API tokens, browser sessions with
// CSRF protection, login throttling, and the audit log of changes. Its Gate
// sits in front of every route of `wsec serve` (server.Options.Wrap).
//
// Why a package of its own: the endpoint packages (api, dcr, analytics,
// rdpscan) keep verifying agent keys as before and need not know users;
// the Gate decides per route, before the handler runs, and hands a
// user-authenticated request on through Gate.Verifier, which vouches for
// the workspace in its path.
//
// Credentials, in the order the Gate looks for them:
//   - Authorization: Bearer wsec_<id>_<secret> — an API token, created by
//     `wsec token create` or POST /v1/tokens, bound to one user, one
//     workspace and a role (never more than its user's role there, checked
//     on every request, so lowering a user's role lowers the tokens').
//   - Authorization: SharedKey / WsecKey — an agent (workspace) key,
//     verified by the handler (package auth).
//   - Cookie wsec_session — a browser session from POST /v1/session
//     (HttpOnly, SameSite=Strict, Path=/, Secure when served over TLS).
//     Every POST/PUT/PATCH/DELETE with the cookie must carry X-CSRF-Token
//     with the session's csrf value, else 403.
//
// Roles per workspace: reader (query, tables, workbooks, incidents, rules
// and DCRs read), responder (+ incident changes, saving workbooks), admin
// (+ analytics rules, DCRs, users, tokens, settings). A route under /v1/workspaces/{id}/ that
// policyFor does not name needs reader to read (GET, and POST .../query and .../dcr-preview) and
// admin to change: a new endpoint is closed by default.
//
// HTTP API (JSON; every refusal is the project's error body
// {"error":{"code","message"}} and increments
// wsec_access_refusals_total{reason}):
//
//	POST   /v1/session        {"user","password"} → 200 SessionBody + cookie; 401 wrong; 429 + Retry-After throttled
//	GET    /v1/session        → SessionBody (csrf "" when called with a token); 401
//	DELETE /v1/session        logout (CSRF header) → 204
//	GET    /v1/users          (admin of some workspace) → [UserView], roles shown for the caller's admin workspaces
//	POST   /v1/users          AddUserRequest → 201 UserView (password set when generated)
//	DELETE /v1/users/{name}   → 204
//	PUT    /v1/users/{name}/roles  {"<workspace id>":"reader|responder|admin|"} ("" removes) → UserView
//	GET    /v1/tokens         own tokens and those of workspaces the caller administers → [TokenView]
//	POST   /v1/tokens         CreateTokenRequest → 201 TokenView with the secret (shown once)
//	DELETE /v1/tokens/{id}    → 204
//	GET    /v1/workspaces/{id}/audit[?since=RFC3339&limit=N]  (admin) → AuditBody, newest first
//
// Additions to the contract with the UI (notes/s4/contract-auth.md): the
// error body is the project's {"error":{"code","message"}} (the message is
// error.message); SessionBody's workspaces carry the workspace "name" too;
// queries (POST .../query) need reader and, with a cookie, the CSRF header
// like every POST; logout answers 204.
//
// Promises:
//   - Passwords are stored as argon2id hashes (PHC strings; the cost is
//     recorded with each hash); tokens as SHA-256 of the token. Secrets
//     are shown once, at creation.
//   - A login naming no user costs the same hashing as a wrong password.
//     After MaxLoginFailures failures for a user name or a client address,
//     logins are refused with 429 for LoginLockout, doubling per further
//     failure up to MaxLoginLockout, without checking the password.
//   - Sessions expire DefaultSessionTTL after login (401 session_expired),
//     live in memory (a restart logs everyone out), and end at once when
//     their user is deleted.
//   - Users and tokens are kept in access.json in the data directory,
//     replaced atomically under a file lock (atomicfile), so the CLI can
//     change them while the server runs; the server sees CLI changes
//     within ReloadInterval.
//   - Every successful change through the Gate (a route needing more than
//     reader: DCRs, analytics rules, incidents, users, tokens) is appended
//     to audit.jsonl with who, how (session, token:<id>, cli) and when,
//     fsynced; GET .../audit reads it back.
package access
