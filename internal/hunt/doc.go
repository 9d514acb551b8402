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
// compile, the EVTX corpus: 89 MB, 35,936 events, and one 61 MB file of
// real chunks, 42,366 events; 2 cores shared with other work at load 5-8;
// 5 rounds alternating the code before and after fastYAML, each the
// median of 3 or 5 runs; medians of the rounds): a hunt over the corpus
// takes 0.75 CPU-s (0.85 before fastYAML), 1.49x the CPU of wsec events
// on the same input (2.10x before), about 46k events/s wall (41k); the
// big file 0.80 CPU-s (0.98), 1.57x (2.13x), about 52k events/s (42k).
// At load 1.6 (5 more alternated rounds, median of 5 runs each) the corpus
// hunt took 0.78 CPU-s against 1.03 and ran at 76k events/s wall against
// 60k; the big file showed no difference (0.98 CPU-s both, 0.52-0.53 s
// wall), its single rounds swinging 0.86-1.32 CPU-s. At load 20-30,
// before fastYAML and the rest of issue 11's throughput work, a hunt cost
// 2.9-4.6x the CPU of decoding. Decoding and matching run together per
// chunk batch on all cores; reading and compiling the rules too (package
// sigma, where reading now takes a fifth of the 0.26 CPU-s of Load and
// Compile). Files are read a few at a time (two per worker), their
// findings still emitted in file order: the corpus is 340 files, 288 of
// them a single chunk, and read one after another a hunt over it ran on
// little more than one core, each file's end waiting for its last chunk. What stands between this and 100k events/s on two cores is
// mostly decoding (wsec events alone: 97-133k events/s on the corpus at
// load 1.6) and compiling the rules, then matching (4.4 µs of CPU an
// event).
package hunt
