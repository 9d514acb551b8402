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
// Measured on a quiet machine (load 0.1; scripts/bench-hunt.sh
// /work/shared/corpus 58MB 5, medians of 5 runs; all 2,398 SigmaHQ
// Windows rules that compile):
//
//	                                wall s  cpu s  events/s   MB/s  RSS MB
//	events, corpus (89 MB, 35,936)    0.21   0.31   171,124  425.1      45
//	hunt, corpus                      0.26   0.47   138,215  343.4     169
//	events, big file (61 MB, 42,366)  0.17   0.30   249,212  359.7      55
//	hunt, big file                    0.27   0.49   156,911  226.5     147
//
// So a hunt with 2,398 rules costs 0.16-0.19 CPU-s on top of decoding,
// reading and compiling the rules included (package sigma); the published
// Hayabusa figure is ~12.8k events/s. Decoding and matching run
// together per chunk batch on all cores; reading and compiling the rules
// too. Files are read a few at a time (two per worker), their findings
// still emitted in file order: the corpus is 340 files, 288 of them a
// single chunk, and read one after another a hunt over it ran on little
// more than one core, each file's end waiting for its last chunk. Rule
// loading runs without garbage collection (a 512 MB soft limit, restored
// after): collecting during it marked the growing rule heap several times.
package hunt
