// Package incident groups alerts into incidents as Microsoft Sentinel does
// and keeps their lifecycle (assign, comment, close with a classification,
// reopen), as rows of the SecurityIncident table.
//
// Grouping follows a rule's incidentConfiguration: no incident
// (createIncident false); one incident per alert (grouping off); or the
// alert joins the newest incident of the same rule whose first alert was
// raised at most lookbackDuration before it and whose key matches —
// AnyAlert (every alert of the rule), AllEntities (the same set of
// entities), Selected (the same entities of the chosen types, alert
// details and custom details). A closed incident takes the alert (and is
// reopened) only with reopenClosedIncident; otherwise a new one opens. An
// incident holds at most MaxAlerts alerts. Entity values match
// case-insensitively.
//
// Promises: every change appends a version (Row) whose TimeGenerated is
// later than the previous version's, even with a clock that stands still,
// so the current state of an incident is its latest row and Load rebuilds
// the book from the table alone; an alert is grouped at most once (Grouped),
// which is what makes re-evaluating a window after a crash harmless. A Book
// is not safe for concurrent use.
package incident
