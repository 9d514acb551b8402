//go:build !unix

package auth

// lockFile is a no-op where flock is unavailable: changes within one process
// are still serialised by the Registry's mutex, but two processes changing
// the registry at the same instant may lose one change. The workspace server
// runs on Unix; this build exists so the package compiles everywhere.
func lockFile(string) (func(), error) { return func() {}, nil }
