package duckdb

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the process used so far,
// DuckDB's threads included: on a shared machine it measures cost where
// wall time measures contention.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
