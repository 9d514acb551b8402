package spool

import (
	"errors"
	"fmt"

	"wsec/internal/dirlock"
)

// lockDir takes the spool directory's lock file (see package dirlock:
// released by the OS if the process dies).
func lockDir(path string) (release func() error, err error) {
	l, err := dirlock.Acquire(path)
	if errors.Is(err, dirlock.ErrLocked) {
		return nil, fmt.Errorf("%w: %w", ErrLocked, err)
	}
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}
