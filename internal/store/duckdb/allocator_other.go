//go:build !(linux && amd64) || duckdb_use_lib || duckdb_use_static_lib

package duckdb

import "errors"

// Elsewhere DuckDB's allocator is not the jemalloc of the prebuilt
// linux/amd64 library (other platforms, or a libduckdb of the system's):
// there is nothing wsec knows how to set.
func setAllocatorDecay(int64) error { return nil }

func allocatorDecay(string) (int64, error) {
	return 0, errors.ErrUnsupported
}
