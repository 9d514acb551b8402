//go:build windows

package bookmark

// syncDir is a no-op on Windows: NTFS journals the rename (MoveFileEx) and
// directories cannot be opened for fsync there.
func syncDir(string) error { return nil }
