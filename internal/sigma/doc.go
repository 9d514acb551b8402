// Package sigma reads Sigma rules (the open detection format of SigmaHQ,
// specification v2) and runs them on Windows events, so wsec takes the
// field's 2,400 Windows rules as they are: no converter step.
//
// Why natively rather than through a converter: a converter (pySigma and a
// backend) is a second toolchain and loses what it cannot express; here one
// reader serves offline hunting over EVTX files (package hunt) and the
// workspace (ToKQL), and what cannot run is said, per rule, with a reason.
//
// What is read (Parse, Load): title, id, name, status, level, tags,
// logsource, falsepositives, fields; detection with named searches (maps,
// lists of maps, keyword lists), values with * ? wildcards and \ escapes,
// null, numbers and booleans; the modifiers contains, startswith, endswith,
// all, re (with i, m, s), cidr, base64, base64offset, utf16le, utf16be,
// utf16, wide, windash, exists, lt, lte, gt, gte, fieldref, cased, expand;
// the condition grammar (and, or, not, parentheses, "1 of x*", "all of
// them", "N of x"); and correlation rules (event_count, value_count,
// temporal, temporal_ordered) with group-by, aliases and timespan.
//
// What is promised:
//   - Parse never panics on any input; a rule that is not Sigma is a
//     ParseError naming the file and line.
//   - Compile runs every rule it can and lists every other one in
//     Ruleset.Problems with its reason; UnsupportedError marks valid Sigma
//     wsec cannot run (an unmapped log source, a regular expression Go's
//     RE2 lacks, a placeholder without a value). Nothing is dropped
//     silently.
//   - Matching follows Sigma: strings compare case-insensitively unless
//     cased, re is case-sensitive unless i; a field absent from the event
//     matches nothing but null and exists: false; payload names are
//     compared without their spaces (Defender's "Source Name" is
//     SourceName); System fields are EventID, Channel, Computer,
//     Provider_Name, Level, Task, Opcode, Keywords, EventRecordID, Version,
//     UserID. A payload field of the same name wins (event 104's Channel
//     is the log it cleared) except for EventID, which is always the
//     System one, as in the workspace and the index by event ID.
//   - Log sources map to channels, event IDs and field renames through one
//     table, WindowsMappings, listed in LOGSOURCES.md (generated from it by
//     TestLogSourcesDoc).
//   - A Ruleset is immutable and safe for concurrent use; a Doc belongs to
//     one goroutine. Matching indexes rules by channel and the event IDs
//     their condition requires, lowers each field at most once per event,
//     skips rules and string tests whose literals the event cannot contain
//     (prefilter.go), and runs a regular expression only when the value
//     holds every ASCII literal its matches need (regexLiterals).
//     TestMatchAgreesFixtures (fixture rules over the sample EVTX files,
//     always) and TestMatchAgreesCorpus (all SigmaHQ rules over the EVTX
//     corpus) hold Match to evaluating every rule whose log source covers
//     the event, with none of these shortcuts.
//   - ToKQL gives a query over SecurityEvent/WindowsEvent that finds the
//     events Match finds (TestSigmaKQLMatchesHunt: all 202 regression
//     cases, on a DuckDB workspace); AnalyticsRule wraps it as an analytics
//     rule (level → severity, attack.* tags → tactics and techniques).
//     TestSigmaRegressionThroughWorkspace (package analytics) imports and
//     backfills each regression case and matches what wsec hunt matches.
//   - Correlation rules run in the workspace too: CorrelationToKQL
//     summarises the base rules' events per group-by value and timespan,
//     CorrelationAnalyticsRule runs it every timespan (at least 5 minutes).
//     Fixed windows there, a sliding window in wsec hunt: a burst across
//     two windows may fire offline only. temporal_ordered runs in the
//     workspace for two rules; longer chains are reported and run offline
//     (TestSigmaCorrelationsThroughWorkspace holds the four types to the
//     hunt correlator).
//
// Why this design, measured (BenchmarkMatchCorpus: the 2,398 SigmaHQ
// Windows rules that compile, 3,784 rule and log-source-target pairs, over
// the 35,936 events of the EVTX corpus, one goroutine; 2 cores shared with
// other work at load 22-26, median of 3 runs, CPU time as the wall time
// swung 1.5x between runs):
//   - Every rule on every event would be 86 M evaluations; the index by
//     channel and required event ID leaves 2.1 M (59 an event), the
//     literal prefilter 154 k (4.3 an event).
//   - Matching costs 4.4 µs of CPU an event (230k events/s on one core),
//     2.7 allocations (lowered values and hits). It was 8.2 µs before
//     regular expressions checked their literals: they took a third of
//     matching, most of it expressions with no 4-byte literal to index
//     ("(?i)(set).*&&\s?set.*...") run over every PowerShell script block.
//   - Reading and compiling the rules cost 0.6 CPU-s (BenchmarkLoadCompile),
//     two thirds of it yaml.v3 building nodes: a hunt over the corpus
//     spent a third of its CPU reading rules, more than matching. Load and
//     Compile spread the work over all cores (parallel), and Parse reads
//     rule files with fastYAML, a reader of the YAML subset Sigma rules are
//     written in that builds the same yaml.v3 nodes (kind, tag, style,
//     value, line, column) and hands anything outside the subset (anchors,
//     tags, flow maps, multi-line plain or quoted scalars, escapes beyond
//     the simple ones, numbers that are not plain decimals, ...) to yaml.v3
//     unread, so which reader ran never shows. TestFastYAMLAgrees holds
//     the two to equal nodes on all 2,958 Sigma files of the corpus (11
//     fall back, 9 of them among the 2,407 Windows rules) and FuzzFastYAML
//     on arbitrary text. Measured (base and new binaries alternated,
//     median of 5, load 7-8): reading the Windows rule files on one core
//     (BenchmarkReadRules) takes 51 CPU-ms against yaml.v3's 216 (4.2x
//     less); Load and Compile together 466 → 262 CPU-ms, 468 → 273 ms
//     wall, 1.70 M → 1.07 M allocations. Compile is now most of what is
//     left.
package sigma
