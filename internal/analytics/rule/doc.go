// Package rule reads analytics rules in Microsoft Sentinel's YAML format,
// unmodified (the files of Azure-Sentinel's Detections/ and Solutions/*/
// Analytic Rules/ and Hunting Queries/), into Rule: the query, when it runs
// (kind Scheduled or NRT, queryFrequency, queryPeriod, trigger), what its
// alerts carry (severity, tactics, techniques, entity mappings, custom
// details, alert details override, event grouping) and how they become
// incidents (incident configuration, suppression).
//
// "Rules" elsewhere in wsec are data collection rules; these are analytics
// rules, and package analytics runs them.
//
// Promises:
//   - Parse reports every problem of a file at once (errors.Join), naming
//     the field; it accepts only what Sentinel accepts (severities, trigger
//     operators, durations within 5m..14d, entity types and identifiers of
//     Sentinel's entity reference, grouping methods).
//   - Nothing of a file is dropped: Raw keeps it as written, and Unknown
//     lists the top-level fields the engine does not interpret (fields that
//     only describe a rule, such as requiredDataConnectors or tags, are
//     known and not listed).
//   - Check compiles the query against a workspace's tables and checks that
//     every column the rule names is in the result. A compile error is a
//     *QueryError whose line and column point into the YAML file; its
//     Unsupported flag separates queries wsec cannot run yet (a table or
//     function it lacks) from queries that are wrong.
//   - A file without kind and without trigger is a hunting query (Kind
//     Hunting): it imports as a saved search and never raises alerts. An
//     NRT rule without a trigger fires on any result, as in Sentinel.
//
// Other rule languages (Sigma) target Rule directly: fill ID, Name, Kind,
// Severity, Query (KQL over the workspace's tables), the schedule and the
// mappings, call Validate, and hand it to the engine like a parsed file.
package rule
