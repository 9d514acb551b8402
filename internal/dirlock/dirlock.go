// Package dirlock gives one process at a time a data directory: an
// exclusive lock on a file in it, held until Release or until the process
// dies (kill -9 included: the operating system drops the lock with the
// process's handles, so a crash never leaves a stale lock behind).
//
// The lock file holds the holder's process ID, so a second process that is
// refused can say which process has the directory. The ID is informative
// only: the lock, not the file's content, decides.
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrLocked is returned (wrapped in a *HeldError) when another holder, in
// this or another process, has the lock.
var ErrLocked = errors.New("directory in use")

// HeldError says that the lock is held, and by which process when the
// lock file names it.
type HeldError struct {
	Path string
	PID  int // 0 when the file names no process
}

func (e *HeldError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s is locked by another process: %v", e.Path, ErrLocked)
	}
	return fmt.Sprintf("%s is locked by process %d: %v", e.Path, e.PID, ErrLocked)
}

func (e *HeldError) Unwrap() error { return ErrLocked }

// Lock is a held lock.
type Lock struct {
	f *os.File
}

// Acquire takes the exclusive lock on path (created if missing) without
// waiting, and writes this process's ID into it. A lock held elsewhere is a
// *HeldError.
func Acquire(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	held, err := lock(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if held {
		pid := readPID(f)
		_ = f.Close()
		return nil, &HeldError{Path: path, PID: pid}
	}
	// The PID is a courtesy to the next process that is refused; a lock
	// whose file cannot be written still locks.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up. Calling it again does nothing.
func (l *Lock) Release() error {
	if l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// readPID reads the process ID a holder wrote, or 0.
func readPID(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
