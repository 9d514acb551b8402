//go:build linux && amd64 && !duckdb_use_lib && !duckdb_use_static_lib

package duckdb

/*
#include <stdlib.h>
#include <sys/types.h>

// The jemalloc DuckDB bundles (libduckdb_jemalloc.a of duckdb-go-bindings),
// under DuckDB's prefix.
int duckdb_je_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

static int wsec_mallctl_set_ssize(const char *name, ssize_t v) {
	return duckdb_je_mallctl(name, NULL, NULL, &v, sizeof(v));
}

static int wsec_mallctl_get(const char *name, void *v, size_t n) {
	return duckdb_je_mallctl(name, v, &n, NULL, 0);
}
*/
import "C"

import (
	"fmt"
	"syscall"
	"unsafe"
)

// setAllocatorDecay sets the dirty and muzzy decay of every arena DuckDB's
// jemalloc has and of those it creates later.
func setAllocatorDecay(ms int64) error {
	n, err := mallctlUint("arenas.narenas")
	if err != nil {
		return err
	}
	names := []string{"arenas.dirty_decay_ms", "arenas.muzzy_decay_ms"}
	for i := range n {
		names = append(names, fmt.Sprintf("arena.%d.dirty_decay_ms", i), fmt.Sprintf("arena.%d.muzzy_decay_ms", i))
	}
	for _, name := range names {
		cs := C.CString(name)
		rc := C.wsec_mallctl_set_ssize(cs, C.ssize_t(ms))
		C.free(unsafe.Pointer(cs))
		// EFAULT: an arena index jemalloc has not initialised yet; it
		// takes the arenas.* default when it is.
		if rc != 0 && syscall.Errno(rc) != syscall.EFAULT {
			return fmt.Errorf("jemalloc %s: %w", name, syscall.Errno(rc))
		}
	}
	return nil
}

// allocatorDecay reads a decay setting (a mallctl name such as
// "arena.0.dirty_decay_ms"). TestAllocatorDecay is its caller: a _test.go
// file cannot use cgo.
func allocatorDecay(name string) (int64, error) {
	var v C.ssize_t
	err := mallctlGet(name, unsafe.Pointer(&v), unsafe.Sizeof(v))
	return int64(v), err
}

func mallctlUint(name string) (uint, error) {
	var v C.unsigned
	err := mallctlGet(name, unsafe.Pointer(&v), unsafe.Sizeof(v))
	return uint(v), err
}

func mallctlGet(name string, v unsafe.Pointer, size uintptr) error {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	if rc := C.wsec_mallctl_get(cs, v, C.size_t(size)); rc != 0 {
		return fmt.Errorf("jemalloc %s: %w", name, syscall.Errno(rc))
	}
	return nil
}
