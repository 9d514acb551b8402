//go:build windows

package spool

// syncDir is a no-op on Windows: a directory cannot be opened for
// FlushFileBuffers through os.Open, and NTFS journals file creation, rename
// and removal itself.
func syncDir(string, Options) error { return nil }
