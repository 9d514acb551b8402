// Package diskspacetest gives tests a real small filesystem to fill up or
// make read-only: a tmpfs, which needs root and mount. Tests that use it
// are skipped, saying why, where that is not available; they complement
// the deterministic tests that inject a diskspace.Func.
package diskspacetest

import (
	"os"
	"os/exec"
	"testing"
)

// Tmpfs mounts a tmpfs of size (mount's syntax: "4m") on a new temporary
// directory, unmounted at the end of the test, or skips the test.
func Tmpfs(t testing.TB, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// Remount changes the mount options of a Tmpfs directory ("ro", "rw",
// "size=8m").
func Remount(t testing.TB, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v %s", dir, opts, err, out)
	}
}
