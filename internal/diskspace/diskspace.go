// Package diskspace tells how much room is left on the filesystem that
// holds a directory: what the spool keeps in reserve so that acknowledging
// (which writes the cursor that frees segments) always works, and what the
// workspace server's health check reports before ingestion fails.
//
// Free is a variable of those packages' Options (a func), so tests can
// simulate a full disk deterministically.
package diskspace

// Func reports the bytes available to this process on the filesystem that
// holds dir.
type Func func(dir string) (int64, error)

// Free reports the bytes available to an unprivileged process on the
// filesystem that holds dir (on Unix, blocks reserved for root are not
// counted; on Windows, the caller's quota applies).
func Free(dir string) (int64, error) { return free(dir) }
