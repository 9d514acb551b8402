// Package api is the workspace's read side over HTTP: the query API, shaped
// like the Log Analytics query API so existing tooling and habits carry
// over, and the table listing.
//
//	POST /v1/workspaces/{id}/query   {"query":"SecurityEvent | take 10","timespan":"P1D"}
//	  → 200 {"tables":[{"name":"PrimaryResult","columns":[{"name","type"}],"rows":[[...]]}]}
//	GET  /v1/workspaces/{id}/tables  → {"tables":[{"name","columns":[...]}]}
//
// Authentication is the SharedKey scheme of package auth, signed over the
// request's method, content length, content type, x-ms-date and path with
// the workspace's primary or secondary key; a key of one workspace never
// reads another. Bearer tokens carrying the key itself are deliberately
// not accepted: the key would then travel with every request and appear in
// any proxy or debug log, while a SharedKey signature is useless beyond 15
// minutes and beyond the one method, path and length it signs.
//
// The KQL compiler and the store are behind the Querier interface, which
// the lead wires; this package knows neither.
//
// Promises:
//   - Every request is authenticated before its body is read (when its
//     length is known) and before the Querier is called.
//   - A query the compiler refuses answers 400 BadArgumentError whose
//     message is the compiler's, with line and column in innererror.
//   - Results are bounded: at most MaxRows rows are sent (more is reported
//     as a PartialError next to the truncated table, as Log Analytics
//     does, and so is a table the Querier cut at a limit of its own:
//     Table.Partial; a capped result never passes for a whole one), a query runs at most its timeout (QueryTimeout, or the
//     client's "Prefer: wait=N" up to MaxQueryTimeout), and at most
//     MaxInFlight queries run at once.
//   - datetime values are written as UTC ISO 8601 with up to 7 fractional
//     digits, timespans as [d.]hh:mm:ss[.fffffff], dynamic values as JSON
//     text, NaN and infinities as the strings "NaN", "Infinity",
//     "-Infinity": the encodings of the Log Analytics API.
package api
