package dirlock

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestAcquireRefusesSecondHolderNamingThePID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path)
	var he *HeldError
	if !errors.As(err, &he) || !errors.Is(err, ErrLocked) || he.PID != os.Getpid() {
		t.Fatalf("second Acquire: %v, want a HeldError naming pid %d", err, os.Getpid())
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	l2, err := Acquire(path)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer l2.Release()
}

func TestAcquireStalePIDFileIsNotALock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	if err := os.WriteFile(path, []byte("999999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(path)
	if err != nil {
		t.Fatalf("a file left by a dead process must not lock: %v", err)
	}
	defer l.Release()
	b, _ := os.ReadFile(path)
	if want := []byte(strconv.Itoa(os.Getpid()) + "\n"); string(b) != string(want) {
		t.Errorf("lock file holds %q, want %q", b, want)
	}
}
