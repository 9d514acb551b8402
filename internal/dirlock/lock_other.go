//go:build !unix && !windows

package dirlock

import "os"

// lock is a no-op where no file lock is available; wsec runs on Unix and
// Windows.
func lock(*os.File) (held bool, err error) { return false, nil }

func unlock(*os.File) error { return nil }
