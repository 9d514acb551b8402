// Package sentinelref works out, from raw events in plain Go, what the
// Sentinel rules of the shared corpus (../shared/corpus/sentinel-rules)
// return over a set of events: Rows for the rules that return rows on the
// EVTX corpus, Witnesses for the others.
//
// It reads EventData/UserData fields and System values, not the tables, the
// mapper's derived columns or the KQL compiler, so it is an independent
// reference for tests of those: kql/sql holds each rule's rows to it, and
// analytics holds each rule's alerts, window by window, to it. Where a rule
// reads a derived column (AccountType, LogonTypeName, Account,
// TargetAccount) the rule spec/securityevent.md states for it is restated
// here.
//
// Witnesses (zero.go) counts, for a rule that returns no row, the events or
// groups passing a necessary condition of it, with filters dropped and group
// keys coarsened so the count can only be larger: no witness, no row.
package sentinelref
