//go:build windows

package spool

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// lockDir takes an exclusive, non-blocking lock on path (created if
// missing). Windows releases it when the handle closes or the process
// dies.
func lockDir(path string) (release func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	h := windows.Handle(f.Fd())
	ol := new(windows.Overlapped)
	const flags = windows.LOCKFILE_EXCLUSIVE_LOCK | windows.LOCKFILE_FAIL_IMMEDIATELY
	if err := windows.LockFileEx(h, flags, 0, 1, 0, ol); err != nil {
		_ = f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() error {
		_ = windows.UnlockFileEx(h, 0, 1, 0, ol)
		return f.Close()
	}, nil
}
