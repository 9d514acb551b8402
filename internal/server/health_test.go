package server

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/diskspace/diskspacetest"
)

func TestDirHealth(t *testing.T) {
	dir := t.TempDir()
	free := int64(1 << 30)
	check := DirHealth(dir, 256<<20, func(string) (int64, error) { return free, nil })
	if err := check(context.Background()); err != nil {
		t.Fatalf("writable directory with room: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, healthProbeFile+"*")); len(m) > 0 {
		t.Errorf("probe left %v behind", m)
	}
	free = 10 << 20
	if err := check(context.Background()); err == nil || !strings.Contains(err.Error(), "10 MiB free, below the 256 MiB") {
		t.Errorf("10 MiB free: %v, want the shortage named", err)
	}
	free = 1 << 30
	gone := filepath.Join(dir, "gone")
	if err := DirHealth(gone, 0, nil)(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot be written") {
		t.Errorf("missing directory: %v", err)
	}
	failing := func(string) (int64, error) { return 0, errors.New("statfs: input/output error") }
	if err := DirHealth(dir, 0, failing)(context.Background()); err == nil || !strings.Contains(err.Error(), "input/output error") {
		t.Errorf("failing probe: %v", err)
	}
	both := AllHealthy(DirHealth(gone, 0, nil), func(context.Context) error { return errors.New("store closed") })
	if err := both(context.Background()); err == nil || !strings.Contains(err.Error(), "store closed") || !strings.Contains(err.Error(), "gone") {
		t.Errorf("AllHealthy: %v, want both causes", err)
	}
}

// TestDirHealthReadOnlyFilesystem uses a real read-only mount (root only).
func TestDirHealthReadOnlyFilesystem(t *testing.T) {
	dir := diskspacetest.Tmpfs(t, "1m")
	check := DirHealth(dir, 0, nil)
	if err := check(context.Background()); err != nil {
		t.Fatalf("fresh tmpfs: %v", err)
	}
	diskspacetest.Remount(t, dir, "ro")
	if err := check(context.Background()); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("read-only mount: %v", err)
	}
	diskspacetest.Remount(t, dir, "rw")
	if err := check(context.Background()); err != nil {
		t.Errorf("writable again: %v", err)
	}
}
