package diskspace

import (
	"os"
	"path/filepath"
	"testing"

	"wsec/internal/diskspace/diskspacetest"
)

func TestFreeOfTempDir(t *testing.T) {
	n, err := Free(t.TempDir())
	if err != nil || n <= 0 {
		t.Fatalf("Free(temp dir) = %d, %v; want a positive size", n, err)
	}
	if _, err := Free(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Free of a missing directory: no error")
	}
}

// TestFreeOfSmallTmpfs checks the number against a filesystem of known
// size; it needs root and mount, and is skipped otherwise.
func TestFreeOfSmallTmpfs(t *testing.T) {
	dir := diskspacetest.Tmpfs(t, "4m")
	before, err := Free(dir)
	if err != nil || before <= 3<<20 || before > 4<<20 {
		t.Fatalf("Free of a 4 MiB tmpfs = %d, %v", before, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	after, _ := Free(dir)
	if d := before - after; d < 1<<20 || d > 1<<20+64<<10 {
		t.Errorf("writing 1 MiB took %d bytes of free space", d)
	}
}
