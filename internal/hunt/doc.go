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
package hunt
