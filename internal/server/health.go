package server

import (
	"context"
	"errors"
	"fmt"
	"os"

	"wsec/internal/diskspace"
)

// healthProbeFile is created and removed by DirHealth in the directory it
// checks.
const healthProbeFile = ".healthz-probe"

// DirHealth returns a health check (for Options.Health) that fails when
// dir cannot take writes: a small file cannot be created, written, synced
// and removed there (read-only filesystem, permissions, full disk), or
// fewer than minFree bytes are available (free reports them; nil means
// diskspace.Free). Those are the conditions under which ingestion fails,
// so /healthz says so before clients see 503s.
func DirHealth(dir string, minFree int64, free diskspace.Func) func(context.Context) error {
	if free == nil {
		free = diskspace.Free
	}
	return func(context.Context) error {
		if err := probeWrite(dir); err != nil {
			return fmt.Errorf("data directory %s cannot be written, so ingestion fails: %w", dir, err)
		}
		n, err := free(dir)
		if err != nil {
			return fmt.Errorf("data directory %s: %w", dir, err)
		}
		if n < minFree {
			return fmt.Errorf("data directory %s has %d MiB free, below the %d MiB ingestion needs: free space or move --data",
				dir, n>>20, minFree>>20)
		}
		return nil
	}
}

func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, healthProbeFile)
	if err != nil {
		return err
	}
	_, werr := f.Write([]byte("ok\n"))
	serr := f.Sync()
	cerr := f.Close()
	rerr := os.Remove(f.Name())
	return errors.Join(werr, serr, cerr, rerr)
}

// AllHealthy combines health checks: the result joins the errors of every
// failing check, so /healthz names each cause.
func AllHealthy(checks ...func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		var errs []error
		for _, c := range checks {
			errs = append(errs, c(ctx))
		}
		return errors.Join(errs...)
	}
}
