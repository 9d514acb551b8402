// Package logfile reads Windows event log files of either format wsec
// accepts, EVTX (binary, as Windows writes it) or rendered event XML
// (wevtutil, Get-WinEvent, forwarded events), so that the CLI, the importer
// and the agent's file source treat paths alike.
//
// Why a package: format detection by content (extensions lie, forensics
// copies have none), folder expansion, and one ordered, parallel "work then
// emit" loop with a uniform account of what was skipped and why — the three
// things every caller of the two readers would otherwise repeat.
//
// Promises: Read delivers events in file order; work runs on several
// goroutines for EVTX (chunks are independent) and inline for XML (a stream);
// nothing a damaged file contains stops the read: what cannot be read is
// counted in Stats.Skipped with its reason, and only an unreadable file
// (missing, unrecognised format, I/O error) is an error.
package logfile
