// Package hunt runs compiled Sigma rules over EVTX and event-XML files with
// no workspace: the offline half of wsec's Sigma support (`wsec hunt`), like
// Chainsaw and Hayabusa.
//
// Why a package of its own: decoding (package logfile) and matching
// (package sigma) are each reusable, and the loop joining them — parallel
// decode and match per chunk batch, findings in file order, correlations at
// the end, one account of what could not be read — is what the CLI and the
// tests share.
//
// Promises: every event of every readable file is matched against every
// rule whose log source covers its channel and event ID; findings of one
// file come in file order (files in the order given); memory is flat in the
// input size except for correlation rules, which keep one small record per
// hit of the rules they count. An unreadable file is reported in the
// Summary and does not stop the hunt; a cancelled context does.
//
// Measured (scripts/bench-hunt.sh, all 2,398 SigmaHQ Windows rules that
// compile, the EVTX corpus: 89 MB, 35,936 events; 2 cores shared with
// other work at load 20-30, so CPU seconds are the steadier figure; the
// median of 3, in 4 runs): a hunt takes 1.15-1.42 CPU-s beside 0.57-0.67
// for wsec events alone (2.0-2.4x; before the work of issue 11's
// throughput it was 1.41-1.96 CPU-s, 2.9-4.6x); one 61 MB file of real
// chunks (42,366 events) 1.11-1.41 CPU-s beside 0.63-0.72 (1.6-2.2x,
// before 2.2-3.2x). Wall times at that load (4.8-8.0 s) say little.
// Where a hunt's CPU goes (profile of Load, Compile and Run over the
// corpus): reading the rules 34% (yaml.v3 28%), decoding 22%, matching
// 18%, the rest allocation and collection. Decoding and matching run
// together per chunk batch on all cores; reading and compiling the rules
// too (package sigma). What stands between this and 100k events/s on two
// cores is reading the rules (about 0.6 CPU-s whatever the input) and
// decoding, more than matching (4.4 µs of CPU an event).
package hunt
