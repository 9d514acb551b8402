//go:build !unix && !windows

package spool

// lockDir is a no-op where no file lock is available; the agent runs on
// Windows and the tests on Unix, both of which lock.
func lockDir(string) (func() error, error) { return func() error { return nil }, nil }
