package duckdb

import (
	"log/slog"
	"sync"
)

// allocatorDecayMs is how long DuckDB's allocator keeps memory an append
// or a query freed before giving it back to the kernel, in milliseconds.
//
// The prebuilt DuckDB (linux/amd64) allocates through the jemalloc it
// bundles (one arena for appends on the 2-core machine), with dirty and
// muzzy decay of 1 s.
// Ingest frees and allocates the same amounts again and again (data chunks,
// the WAL's buffers, a checkpoint's segments every second or so), so with
// 1 s jemalloc kept handing back pages the next checkpoint faulted in
// again: during a load, serve made ~200 madvise calls a second (~40 ms of
// them in the kernel, ~3/4 of them jemalloc's) and ~10k page faults a
// second, each dear on a virtual machine. With 5 s (alternated runs,
// machine busy, medians): the store path (BenchmarkAppendEvents
// batch=10000/senders=4/writers=2, -benchtime 80x) 11.35 → 10.27 cpu-µs per
// event; one agent → serve (bench-scale, 1.5M events) 13.0 → 12.9 serve
// CPU-s per million events, at 106-115k events/s stored against 95-102k.
// Longer decays saved no more (30 s: 10.2-13.5 cpu-µs; never: the same)
// and hold more: serve's RSS peak over a 10M-event load was 593 MB at 1 s,
// 641 MB at 5 s, 696 MB at 30 s; over bench-scale's 100M, 841 MB at 5 s
// against 816-843 MB at 1 s. DuckDB also flushes a thread's cache when
// the thread has been idle for half a second, which this leaves alone.
//
// It is set at run time (mallctl) rather than with DUCKDB_JE_MALLOC_CONF,
// which jemalloc reads at process start, so that nothing outside the
// binary has to be right.
const allocatorDecayMs = 5_000

var allocatorOnce sync.Once

// tuneAllocator sets allocatorDecayMs on DuckDB's allocator, once per
// process; where DuckDB has no jemalloc it does nothing. A failure costs
// only the saving, so it is logged rather than returned.
func tuneAllocator(log *slog.Logger) {
	allocatorOnce.Do(func() {
		if err := setAllocatorDecay(allocatorDecayMs); err != nil {
			log.Warn("store: could not set DuckDB's allocator decay; ingest costs a little more CPU (nothing else changes)", slog.Any("err", err))
		}
	})
}
