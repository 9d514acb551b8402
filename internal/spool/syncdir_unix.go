//go:build !windows

package spool

import (
	"fmt"
	"os"
)

// syncDir makes the creation, rename or removal of a file in dir durable.
func syncDir(dir string, o Options) error {
	if o.skipFsync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %s for fsync: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return d.Close()
}
