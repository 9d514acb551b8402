//go:build unix

package dirlock

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an exclusive flock on f without waiting; held reports that
// another open file has it. flock belongs to the open file description, so
// a second Acquire in the same process is refused too.
func lock(f *os.File) (held bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

func unlock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
