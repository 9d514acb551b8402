// Package dcrpreview answers, while an admin edits a data collection rule,
// what the rule would keep: "N of the last M events of these hosts". It
// reads the hosts' latest SecurityEvent rows through the workspace's KQL
// querier, turns each back into an event.Event and runs the rule on it with
// package filter — the same compiled rules the agent runs, so the preview
// cannot disagree with the agent about what a query matches.
//
// What the preview can and cannot say: it sees the events the hosts sent
// under the rules they had, so a rule wider than those rules cannot show
// the events that were never collected (it keeps all M); a narrower one
// shows what it would drop. Events are rebuilt from SecurityEvent's
// columns (System fields and the EventData XML); Level is rebuilt from the
// column's audit-success/failure code (Security events carry Level 0), so
// a query on Level is approximate. Events of channels the Security
// connector does not store in SecurityEvent (WindowsEvent) are not read.
//
// HTTP, behind the access Gate as a read (reader role, not audited):
//
//	POST /v1/workspaces/{id}/dcr-preview  Request → 200 Answer
//	  400 {"error":{"code":"InvalidRule","message",...,"details":[{"query":1,"column":12,"message"}]}}
package dcrpreview
